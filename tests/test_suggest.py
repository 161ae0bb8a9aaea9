"""frames.suggest (candidate patterns by keyness) and frames.add_patterns (the researcher's copy)."""

import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

import kzmedia
from kzmedia import frames, terms, text

CODEBOOK = {"name": "toy", "frames": {"f": {"patterns": ["alpha"]},
                                      "g": {"patterns": ["zeta*"]}}}


def arts(*texts):
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "outlet": "X",
                         "text": list(texts)})


def toy():
    # sentences with "alpha" carry frame f; "zeta" occurs only there, "report" on both sides
    return arts("Alpha zeta report today. Plain report today. Rain fell on Monday.",
                "The alpha zeta plan. Plain report again. Talks with Putin ended.",
                "Alpha zeta again here. Another plain report. Talks with Putin resumed.",
                "Snow fell on Tuesday. The plain report was short.")


def test_term_only_in_frame_sentences_ranks_first_among_new():
    s = frames.suggest(toy(), "f", CODEBOOK, min_count=2, top=None)
    new = s[~s.in_codebook]
    assert new.iloc[0].term == "zeta"
    z = new.iloc[0]
    assert (z.count_in, z.count_out, z.sentences_in, z.sentences_out, z.articles_in) == (3, 0, 3, 0, 3)
    assert (z.n_frame_sentences, z.n_other_sentences) == (3, 8)
    assert z.other_frames == "g"                       # g's pattern zeta* already matches it
    # the frame's own pattern is listed, flagged, with the pattern that covers it
    alpha = s[s.term == "alpha"].iloc[0]
    assert alpha.in_codebook and alpha.covered_by == "alpha" and alpha['rank'] < z['rank']
    # over-represented only: "report" is in 2 of the 3 frame sentences but also in 5 others
    assert (s.g2 > 0).all() and (s.z > 0).all()
    assert "plain" not in set(s.term)
    # bigrams, and a stop word breaks them ("talks with putin" gives no "talks putin")
    assert "alpha zeta" in set(s.term)
    assert list(s["rank"]) == list(range(1, len(s) + 1))


def test_suggest_statistics_are_those_of_terms_keyness():
    s = frames.suggest(toy(), "f", CODEBOOK, min_count=2, top=None).set_index("term")
    # the same numbers from terms.keyness, with one document per sentence
    sents = text.sentences(toy())
    side = ["frame" if "alpha" in x.lower() else "rest" for x in sents.sentence]
    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(sents))], "side": side,
                         "text": sents.sentence})
    k = terms.keyness(docs, by="side", measure="g2", target="frame", min_count=2).set_index("term")
    assert s.loc["zeta", "g2"] == pytest.approx(k.loc["zeta", "g2"])
    assert s.loc["zeta", "count_in"] == k.loc["zeta", "count_target"]
    # by hand: zeta is 3 of the a = 10 unigrams of the frame sentences (alpha zeta report today /
    # alpha zeta plan / alpha zeta), none of the b unigrams of the others; G2 = 2 * 3 * ln(3 / E)
    # + 2 * (a - 3) * ln((a - 3) / E') + 2 * b * ln(b / E''), E = 3a / (a + b), ...
    a = sum(len(text.tokenize(x)) for x, sd in zip(sents.sentence, side) if sd == "frame")
    b = sum(len(text.tokenize(x)) for x, sd in zip(sents.sentence, side) if sd == "rest")
    n = a + b
    e11, e21, e12, e22 = 3 * a / n, (n - 3) * a / n, 3 * b / n, (n - 3) * b / n
    by_hand = 2 * (3 * math.log(3 / e11) + (a - 3) * math.log((a - 3) / e21) + b * math.log(b / e22))
    assert e12 > 0 and s.loc["zeta", "g2"] == pytest.approx(by_hand)


def test_kwic_lines_in_and_out_and_top_cut():
    s = frames.suggest(toy(), "f", CODEBOOK, min_count=2, top=1, window=2)
    assert (~s.in_codebook).sum() == 1                 # the list stops after the first new one
    z = s[s.term == "zeta"].iloc[0]
    assert z.kwic_in[0] == "Alpha [zeta] report today." and z.kwic_out == []


def test_suggest_accepts_sentences_and_a_hits_table_with_other_evidence():
    sents = text.sentences(toy())
    # another source of evidence (e.g. a dyad rule) marks the "Talks with Putin" sentences too
    h = frames.hits(toy(), CODEBOOK, sentences=sents)
    extra = sents[sents.sentence.str.startswith("Talks")][["doc_id", "sent_id"]].assign(frame="f")
    s = frames.suggest(sents, "f", CODEBOOK, hits_table=pd.concat([h, extra]), min_count=2, top=None)
    assert s.n_frame_sentences.iloc[0] == 5
    assert "putin" in set(s.term) and "talks" in set(s.term)
    assert "talks putin" not in set(s.term)


def test_suggest_empty_and_errors():
    assert frames.suggest(arts("Nothing here.", "Nor here."), "f", CODEBOOK).empty
    assert frames.suggest(arts("Alpha.", "Alpha alpha."), "f", CODEBOOK).empty   # all carry it
    with pytest.raises(ValueError, match="frame 'nope' is not in the codebook"):
        frames.suggest(toy(), "nope", CODEBOOK)


# --------------------------------------------------------------------------- add_patterns

def test_add_patterns_starts_a_copy_keeps_comments_and_skips_known(tmp_path):
    mine = tmp_path / "my_frames.yaml"
    out = frames.add_patterns(mine, "china_partnership", ["silk road fund", "Belt and Road", "key: x"])
    assert list(out.status) == ["added", "already in frame", "added"]
    txt = mine.read_text(encoding="utf-8")
    package = (Path(kzmedia.__file__).parent / "data" / "frames.yaml").read_text(encoding="utf-8")
    assert txt.startswith(package.splitlines()[0])      # the header comment is kept
    assert len(txt.splitlines()) == len(package.splitlines()) + 2
    cb = frames.load_codebook(mine)
    china = cb.patterns[cb.patterns.frame == "china_partnership"].pattern.tolist()
    assert "silk road fund" in china and "key: x" in china
    # the other frames are unchanged
    base = frames.load_codebook()
    assert cb.patterns[cb.patterns.frame != "china_partnership"].reset_index(drop=True).equals(
        base.patterns[base.patterns.frame != "china_partnership"].reset_index(drop=True))
    again = frames.add_patterns(mine, "china_partnership", ["Silk Road Fund"])
    assert list(again.status) == ["already in frame"]


def test_add_patterns_to_a_hand_written_file(tmp_path):
    mine = tmp_path / "c.yaml"
    mine.write_text("# my codebook\nframes:\n  f:\n    label: F   # the F frame\n    patterns:\n"
                    "    - alpha\n    # beta was too broad\n    - gamma\n\n  g:\n    patterns: [zeta]\n",
                    encoding="utf-8")
    frames.add_patterns(mine, "f", ["delta*"])
    data = yaml.safe_load(mine.read_text(encoding="utf-8"))
    assert data["frames"]["f"]["patterns"] == ["alpha", "gamma", "delta*"]
    assert "# beta was too broad" in mine.read_text(encoding="utf-8")
    before = mine.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="inline"):
        frames.add_patterns(mine, "g", ["eta"])
    with pytest.raises(ValueError, match=r"c\.yaml.*'\*bad'"):
        frames.add_patterns(mine, "f", ["*bad"])
    with pytest.raises(ValueError, match="frame 'h' not found"):
        frames.add_patterns(mine, "h", ["eta"])
    assert mine.read_text(encoding="utf-8") == before   # nothing written on error


def test_add_patterns_to_the_last_frame_before_another_top_level_key(tmp_path):
    mine = tmp_path / "c.yaml"
    mine.write_text("frames:\n  f:\n    patterns:\n      - alpha\nstrip:\n  - beta gamma\n",
                    encoding="utf-8")
    frames.add_patterns(mine, "f", ["delta"])
    assert mine.read_text(encoding="utf-8") == ("frames:\n  f:\n    patterns:\n      - alpha\n"
                                                "      - delta\nstrip:\n  - beta gamma\n")
    frames.add_patterns(mine, "f", ["epsilon"])
    assert yaml.safe_load(mine.read_text(encoding="utf-8"))["frames"]["f"]["patterns"] == [
        "alpha", "delta", "epsilon"]


def test_add_patterns_never_writes_the_package_data():
    path = Path(kzmedia.__file__).parent / "data" / "frames.yaml"
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="package's own data"):
        frames.add_patterns(path, "conflict", ["quarrel"])
    assert path.read_text(encoding="utf-8") == before


def test_suggest_from_a_coded_sheet():
    coded = pd.DataFrame({"doc_id": ["a", "a", "b", "b", "c"], "sent_id": [0, 1, 0, 1, 0],
                          "sentence": ["Tokayev met Putin in Moscow.", "Rain fell.",
                                       "Tokayev met Xi in Beijing.", "Snow fell.", "Markets fell."],
                          "f": [1, 0, 1, 0, 0]})
    positive = coded.loc[coded["f"] == 1, ["doc_id", "sent_id"]].assign(frame="f")
    s = frames.suggest(coded, "f", CODEBOOK, hits_table=positive, min_count=2, top=None)
    assert set(s.term[:3]) == {"met", "tokayev", "tokayev met"}
    assert (s.count_out == 0).all() and "fell" not in set(s.term)
