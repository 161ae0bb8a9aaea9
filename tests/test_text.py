import math
import re
from pathlib import Path

import pandas as pd
import pytest

from kzmedia import text
from kzmedia.text import compile_pattern, split_sentences, tokenize

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


# --------------------------------------------------------------------------- sentences

@pytest.mark.parametrize("s, expected", [
    ("Mr. Putin met Mrs. Smith. They talked.", ["Mr. Putin met Mrs. Smith.", "They talked."]),
    ("U.S. officials arrived. Talks began.", ["U.S. officials arrived.", "Talks began."]),
    ("The talks began on Jan. 5 in Astana. They ended later.",
     ["The talks began on Jan. 5 in Astana.", "They ended later."]),
    ("Gen. Smith spoke. Col. Jones did not.", ["Gen. Smith spoke.", "Col. Jones did not."]),
    ("It ranks No. 1 in the region. Others follow.",
     ["It ranks No. 1 in the region.", "Others follow."]),
    ("He arrived in St. Petersburg. Then he left.",
     ["He arrived in St. Petersburg.", "Then he left."]),
    ('He said: "We agree." Then they left.', ['He said: "We agree."', "Then they left."]),
    ("He said \u201cpeace is near.\u201d Then he left.",
     ["He said \u201cpeace is near.\u201d", "Then he left."]),
    ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
])
def test_split_sentences_cases(s, expected):
    assert split_sentences(s) == expected


def test_paragraphs_never_merged():
    s = "A heading without a period\n\nThe first sentence. The second\n \nThird paragraph"
    assert split_sentences(s) == ["A heading without a period", "The first sentence.",
                                  "The second", "Third paragraph"]


def test_may_is_not_an_abbreviation():
    assert split_sentences("The vote was in May. It passed.") == ["The vote was in May.",
                                                                 "It passed."]


def test_split_sentences_empty():
    assert split_sentences("") == []
    assert split_sentences("  \n\n ") == []


def test_sentences_frame():
    arts = pd.DataFrame({"doc_id": ["b", "a"],
                         "text": ["One. Two.\n\nThree", "Only one here."]})
    out = text.sentences(arts)
    assert list(out.columns) == ["doc_id", "sent_id", "sentence"]
    assert out["doc_id"].tolist() == ["a", "b", "b", "b"]
    assert out["sent_id"].tolist() == [0, 0, 1, 2]
    assert out["sentence"].tolist() == ["Only one here.", "One.", "Two.", "Three"]


TRICKY = [
    "Mr. Putin met Mrs. Smith. They talked.",
    "U.S. officials said the talks went well. Others disagreed.",
    "The talks began on Jan. 5 in Astana. They ended on Feb. 2.",
    "Gen. Smith spoke. Col. Jones did not.",
    'It ranks "No. 1" in the region. Others follow.',
    "\u2018We agree,\u201d he said. Next came the vote.",
    "\u201cWe agree.\u201d Then they left. \u201cNo.\u201d",
    'He said: "Stop." (It did.) Then it went on.',
    "Wait... What happened? Nobody knows... the end.",
    "Growth was 3.5 per cent. Inflation was 2.1. That is low.",
    "J. R. Smith and A. Jones met. They talked.",
    "The delegation flew to the U.S. The visit lasted a week.",
    "Costs rose by 5. The budget fell.",
    "Costs rose by 5. the budget fell.",
    "Plan B. The second option.",
    "Really?! Yes!!! Fine.",
    "Hum !!!. Next",
    "He met officials in Washington, D.C. on Monday. Then he left.",
    "The firm (Acme Inc.) grew. It hired staff.",
    "A list: a. first; b. second. Done.",
    "He left at 6 p.m. The meeting ended.",
    "Is it over?\u201d she asked. \u201cYes.\u201d",
    "Prices fell 10%. Sales rose.",
    "See www.example.com. It is online.",
    "one . two . . . three",
    "First line.\nSecond line. Third.\n\n\u201cQuote.\u201d\n\nLast? Yes",
    "St.Petersburg is far.Really far. ok.",
    "Tabs\tand\u00a0spaces. Mr.\u00a0Smith. Then.",
]


@pytest.mark.parametrize("s", TRICKY)
def test_fast_splitter_equals_reference(s):
    """The contract of kzmedia.fast.punkt: Punkt's sentences."""
    assert split_sentences(s, method="fast") == split_sentences(s, method="reference")


def test_documented_choices():
    # an abbreviation before a capitalised word is not a break, even at a real sentence end
    assert split_sentences("The delegation flew to the U.S. The visit lasted a week.") == [
        "The delegation flew to the U.S. The visit lasted a week."]
    # initials stay with the name; a number ends a sentence unless a lower-case word follows
    assert split_sentences("J. R. Smith and A. Jones met. They talked.") == [
        "J. R. Smith and A. Jones met.", "They talked."]
    assert split_sentences("Costs rose by 5. The budget fell.") == [
        "Costs rose by 5.", "The budget fell."]
    assert split_sentences("Costs rose by 5. the budget fell.") == [
        "Costs rose by 5. the budget fell."]
    # decimals and an ellipsis inside a sentence are not breaks
    assert split_sentences("Growth was 3.5 per cent... slowly. Then it stopped.") == [
        "Growth was 3.5 per cent... slowly.", "Then it stopped."]
    with pytest.raises(ValueError):
        split_sentences("x", method="nope")


def test_fast_splitter_equals_reference_on_seeds():
    from kzmedia import corpus

    arts = corpus.load(SEEDS)
    fast = text.sentences(arts, method="fast")
    reference = text.sentences(arts, method="reference")
    pd.testing.assert_frame_equal(fast, reference)
    assert len(fast) > 100


def test_sentences_frame_duplicate_ids():
    arts = pd.DataFrame({"doc_id": ["b", "a", "b"], "text": ["B1. B2.", "A1.", "C1. C2. C3."]})
    out = text.sentences(arts)
    assert out["doc_id"].tolist() == ["a", "b", "b", "b", "b", "b"]
    assert out["sent_id"].tolist() == [0, 0, 0, 1, 1, 2]
    assert out["sentence"].tolist() == ["A1.", "B1.", "C1.", "B2.", "C2.", "C3."]


# --------------------------------------------------------------------------- tokens

def test_tokenize_compounds_and_possessive():
    toks = tokenize("Kazakhstan's multi-vector policy; Kassym-Jomart met Tokayev\u2019s aides",
                    phrases=())
    assert toks == ["kazakhstan", "multi-vector", "policy", "kassym-jomart", "met", "tokayev",
                    "aides"]


def test_tokenize_possessive_kept_on_request():
    assert tokenize("Kazakhstan's", possessive=True, stopwords=()) == ["kazakhstan", "'s"]


def test_tokenize_abbreviations_and_us():
    assert tokenize("U.S. and US officials at the UN", phrases=()) == [
        "u.s", "u.s", "officials", "u.n"]
    # lower-case "us" is the pronoun and a stop word
    assert tokenize("tell us", phrases=()) == ["tell"]


def test_tokenize_numbers_option():
    s = "In 2022, 2,000 troops (1.5 per cent) joined the G20 in the 21st century"
    assert tokenize(s, phrases=()) == ["troops", "cent", "joined", "g20", "21st", "century"]
    assert tokenize(s, phrases=(), numbers=True) == [
        "2022", "2,000", "troops", "1.5", "cent", "joined", "g20", "21st", "century"]


def test_tokenize_stopwords_option():
    assert tokenize("the trade of the region", stopwords=()) == [
        "the", "trade", "of", "the", "region"]
    assert tokenize("the trade of the region", stopwords=["trade"]) == [
        "the", "of", "the", "region"]
    assert "the" in text.load_stopwords() and "interest" not in text.load_stopwords()


def test_tokenize_mwe_joining_longest_first():
    s = ("Kazakhstan's foreign policy and the Belt and Road Initiative; "
         "the United Nations Security Council met; Middle-Corridor; Kassym-Jomart Tokayev")
    assert tokenize(s) == ["kazakhstan", "foreign_policy", "belt_and_road_initiative",
                           "united_nations_security_council", "met", "middle_corridor",
                           "kassym-jomart_tokayev"]
    assert tokenize("foreign policy", phrases=(), stopwords=()) == ["foreign", "policy"]
    assert tokenize("foreign policy", phrases=["foreign policy"], joiner=" ") == [
        "foreign policy"]


def test_tokenize_phrase_not_inside_words():
    assert tokenize("unforeign policymakers", phrases=["foreign policy"]) == [
        "unforeign", "policymakers"]


def test_phrases_from_yaml(tmp_path):
    p = tmp_path / "g.yaml"
    p.write_text("a:\n  names: [Russia, Russian Federation]\n  leaders:\n"
                 "    - {name: Vladimir Putin, aliases: [Putin]}\n")
    assert text.phrases_from_yaml(p) == ["russian federation", "vladimir putin"]


# --------------------------------------------------------------------------- pattern grammar

def _hits(pattern, s, **kw):
    return [m.group(0) for m in re.finditer(compile_pattern(pattern, **kw), s)]


def test_pattern_hyphen_inside_token():
    s = "multivector, multi-vector and multi vector; a multi-vectoral course"
    assert _hits("multi-vector*", s) == ["multivector", "multi-vector", "multi vector",
                                         "multi-vectoral"]


def test_pattern_space_between_tokens():
    assert _hits("middle corridor", "the Middle-Corridor and the middle  corridor") == [
        "Middle-Corridor", "middle  corridor"]


def test_pattern_star_and_whole_word():
    assert _hits("cooperat*", "Cooperation, cooperate; co-operation") == ["Cooperation",
                                                                         "cooperate"]
    assert _hits("trade", "trades and trade, free-trade, tradewinds") == ["trade", "trade"]


def test_pattern_case_sensitive_and_literals():
    assert _hits("US", "US and us", case_sensitive=True) == ["US"]
    assert _hits("US", "US and us") == ["US", "us"]
    assert _hits("C5+1", "the C5+1 format") == ["C5+1"]
    assert _hits("People's Republic", "People\u2019s Republic") == ["People\u2019s Republic"]


def test_pattern_sources_combine():
    rx = re.compile("|".join([compile_pattern("EU", case_sensitive=True),
                              compile_pattern("europe*")]))
    assert [m.group(0) for m in rx.finditer("EU, eu, European")] == ["EU", "European"]


def test_pattern_errors():
    with pytest.raises(ValueError):
        compile_pattern("   ")
    with pytest.raises(ValueError):
        compile_pattern("co*operation")


# --------------------------------------------------------------------------- collocations

def test_collocations_by_hand():
    arts = pd.DataFrame({"doc_id": ["a"], "text": [
        "Middle corridor grows. Middle corridor trade. Trade grows. Middle east."]})
    out = text.collocations(arts, min_count=1)
    assert list(out.columns) == ["collocation", "count", "length", "lambda", "z"]
    # pairs: (middle corridor) x2, (corridor grows), (corridor trade), (trade grows),
    # (middle east): N = 6
    row = out.set_index("collocation").loc["middle corridor"]
    n11, n12, n21, n22 = 2, 1, 0, 3  # middle·: 3, ·corridor: 2
    lam = math.log((n11 + .5) * (n22 + .5) / ((n12 + .5) * (n21 + .5)))
    sigma = math.sqrt(sum(1 / (x + .5) for x in (n11, n12, n21, n22)))
    assert row["count"] == 2 and row["length"] == 2
    assert row["lambda"] == pytest.approx(lam)
    assert row["z"] == pytest.approx(lam / sigma)
    assert text.collocations(arts, min_count=2)["collocation"].tolist() == ["middle corridor"]


def test_collocations_stopwords_break_pairs():
    arts = pd.DataFrame({"doc_id": ["a"], "text": ["policy of Kazakhstan. policy of Kazakhstan."]})
    assert text.collocations(arts, min_count=1).empty


# --------------------------------------------------------------------------- seeds

def test_seed_texts_split_and_tokenize():
    raw = (SEEDS / "002_2545d57a7907faaf.txt").read_text(encoding="utf-8")
    sents = split_sentences(raw)
    assert any(s.startswith("Just a few days ago") and "Sept. 6-8" in s
               and "St. Petersburg." in s for s in sents)
    toks = tokenize(raw)
    assert "multi-vector" in toks and "foreign_policy" in toks and "xi_jinping" in toks


def test_collocations_punctuation_breaks_pairs():
    arts = pd.DataFrame({"doc_id": ["a"], "text": ["Russia, China and Iran. Russia, China."]})
    assert "russia china" not in set(text.collocations(arts, min_count=1).collocation)


@pytest.mark.parametrize("method", ["fast", "reference"])
def test_sentences_table_holds_split_sentences(method):
    texts = ["Mr. Smith met Gov. Jones in the U.S. The talks ended. Prof. X. Y. agreed.",
             "It cost $5.5 bn. on Jan. 5. (Really.) \u201cYes.\u201d He left... Then no. 1 won.",
             "A. B. Tokayev spoke. Inc. The firm grew. St. Petersburg hosted it.", "", None]
    arts = pd.DataFrame({"doc_id": ["a", "b", "c", "d", "e"], "text": texts})
    got = text.sentences(arts, method=method).groupby("doc_id", sort=True)["sentence"].apply(list)
    assert got.to_dict() == {d: split_sentences(t, method=method)
                             for d, t in zip(arts.doc_id, texts) if t}
    with pytest.raises(ValueError):
        text.sentences(arts, method="punkt")


def test_normalize_is_what_the_tokenizer_reads():
    assert text.normalize("US and UN, USA, FOCUS, Kazakhstan\u2019s") == (
        "u.s and u.n, usa, focus, kazakhstan's")
    assert tokenize("FOCUS on US", stopwords=(), phrases=()) == ["focus", "on", "u.s"]
