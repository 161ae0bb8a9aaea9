import gzip
import json
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kzmedia import corpus, language, readers
from kzmedia.parallel import can_fork

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

BODY_A = (
    "Kazakhstan pursues a multi-vector foreign policy that balances its relations with Russia, "
    "China, the United States and the European Union. The government says this keeps options open."
)
BODY_B = (
    "Officials in Astana met their counterparts from Central Asia to discuss trade routes, "
    "water sharing and the Middle Corridor across the Caspian Sea."
)


def raw_dump(title, *paragraphs):
    return "\n\n".join([title, *paragraphs]) + "\n"


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "dumps"
    d.mkdir()
    write(d / "a1.txt", raw_dump("Balanced diplomacy in Central Asia", BODY_A, BODY_B))
    write(d / "b2.txt", raw_dump("Trade routes across the Caspian", BODY_B, BODY_A))
    write(d / "manifest.csv",
          "file,outlet,published,title,notes\n"
          "a1.txt,Outlet A,2013-09,Manifest Title,from the URL\n"
          "b2.txt,Outlet B,2023,,\n")
    return d


# ------------------------------------------------------------------ folders of raw dumps


def test_folder_with_manifest(folder):
    arts = corpus.load(folder, lang=False)
    corpus.validate(arts)
    assert list(arts.columns) == [*corpus.COLUMNS, "notes"]
    assert arts["doc_id"].tolist() == ["a1", "b2"]
    a1, b2 = arts.iloc[0], arts.iloc[1]
    assert a1["outlet"] == "Outlet A" and b2["outlet"] == "Outlet B"
    assert a1["title"] == "Manifest Title"  # the manifest wins over the sniffed headline
    assert (a1["date"], a1["date_precision"]) == ("2013-09", "month")
    assert (b2["date"], b2["date_precision"]) == ("2023", "year")
    assert a1["notes"] == "from the URL" and b2["notes"] == ""
    assert a1["source"] == "dumps/a1.txt"
    assert "multi-vector foreign policy" in a1["text"]
    assert a1["n_words"] == len(a1["text"].split())
    assert set(arts["lang"]) == {"und"}
    assert arts.attrs["rejected"].empty


def test_folder_audit_covers_every_line(folder):
    arts = corpus.load(folder, lang=False)
    audit = arts.attrs["audit"]
    assert list(audit.columns) == ["doc_id", "line_no", "text", "kept", "reason"]
    for doc_id in ("a1", "b2"):
        lines = (folder / f"{doc_id}.txt").read_text().splitlines()
        got = audit[audit["doc_id"] == doc_id]
        assert got["line_no"].tolist() == list(range(1, len(lines) + 1))
        assert got["text"].tolist() == lines
    assert audit.loc[audit["kept"], "reason"].eq("body").all()


def test_manifest_argument_and_language(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    write(d / "x.txt", raw_dump("A headline about diplomacy", BODY_A))
    m = write(tmp_path / "meta.csv", "file,outlet,date,region\nx.txt,Outlet X,2022-10-30,asia\n")
    arts = corpus.load(d, manifest=m)
    assert arts.loc[0, "outlet"] == "Outlet X" and arts.loc[0, "region"] == "asia"
    assert arts.loc[0, "date_precision"] == "day"
    assert arts.loc[0, "lang"] == "en"


def test_file_not_in_manifest_is_kept_with_warning(folder):
    write(folder / "c3.txt", raw_dump("Unlisted article on Kazakhstan", BODY_A))
    with pytest.warns(UserWarning, match="not in manifest.csv"):
        arts = corpus.load(folder, lang=False)
    assert arts["doc_id"].tolist() == ["a1", "b2", "c3"]
    assert arts.set_index("doc_id").loc["c3", "outlet"] == ""


def test_folder_without_manifest(tmp_path):
    write(tmp_path / "only.txt", raw_dump("Headline", BODY_A))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        arts = corpus.load(tmp_path, lang=False)
    assert arts["doc_id"].tolist() == ["only"]
    assert arts.loc[0, "outlet"] == ""


def test_single_txt_file(folder):
    arts = corpus.load(folder / "a1.txt", lang=False)
    assert arts["doc_id"].tolist() == ["a1"]
    assert arts.loc[0, "source"] == "a1.txt"
    assert len(arts.attrs["audit"]) == 5  # title, blank, body, blank, body


# ------------------------------------------------------------------ rejected inputs


def test_cp1252_file_is_read_with_a_note_naming_file_and_offset(folder):
    write(folder / "latin.txt", b"Headline\n\nCaf\xe9 in Astana " + BODY_A.encode())
    write(folder / "manifest.csv", "file,outlet\na1.txt,A\nb2.txt,B\nlatin.txt,C\n")
    with pytest.warns(UserWarning, match=r"latin\.txt: not valid UTF-8 \(byte 0xe9 at offset 13\)"
                      r"; read as Windows-1252"):
        arts = corpus.load(folder, lang=False)
    assert arts.set_index("doc_id").loc["latin", "text"].startswith("Café in Astana")


def test_undecodable_file_is_rejected_with_offset(folder):
    write(folder / "bad.txt", b"Headline\n\nCaf\xe9 in Astana \x81" + BODY_A.encode())
    with pytest.warns(UserWarning):
        arts = corpus.load(folder, lang=False)
    assert "bad" not in set(arts["doc_id"])
    rej = arts.attrs["rejected"]
    assert rej["source"].tolist() == ["dumps/bad.txt"]
    reason = rej.loc[0, "reason"]
    assert "bad.txt" in reason and "UTF-8" in reason and "offset 13" in reason and "0xe9" in reason
    assert "0x81 at offset 25" in reason


def test_bom_is_removed(tmp_path):
    write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + raw_dump("Headline", BODY_A).encode())
    arts = corpus.load(tmp_path, lang=False)
    assert not arts.attrs["audit"]["text"].str.contains("\ufeff").any()
    assert "\ufeff" not in arts.loc[0, "text"]


def test_empty_after_cleaning(folder):
    write(folder / "empty.txt", "\n\n   \n")
    with pytest.warns(UserWarning):
        arts = corpus.load(folder, lang=False)
    rej = arts.attrs["rejected"]
    assert rej.values.tolist() == [["dumps/empty.txt", "empty", "empty after cleaning"]]
    assert "empty" not in set(arts["doc_id"])
    assert set(arts.attrs["audit"]["doc_id"]) == {"a1", "b2", "empty"}


def test_duplicate_doc_id_keeps_first(folder):
    write(folder / "manifest.csv", "file,doc_id\na1.txt,same\nb2.txt,same\n")
    arts = corpus.load(folder, lang=False)
    assert arts["doc_id"].tolist() == ["same"]
    assert arts.loc[0, "source"] == "dumps/a1.txt"  # sorted file order
    rej = arts.attrs["rejected"]
    assert rej["source"].tolist() == ["dumps/b2.txt"]
    assert rej.loc[0, "reason"] == "duplicate doc_id (first kept: dumps/a1.txt)"


def test_manifest_row_with_missing_file(folder):
    with open(folder / "manifest.csv", "a") as fh:
        fh.write("gone.txt,Outlet G,2020-01-01,Lost,\n")
    arts = corpus.load(folder, lang=False)
    assert len(arts) == 2
    rej = arts.attrs["rejected"]
    assert rej.values.tolist() == [["dumps/gone.txt", "gone", "listed in manifest.csv but the file is missing"]]


def test_other_files_in_folder_are_rejected(folder):
    write(folder / "README.md", "notes")
    arts = corpus.load(folder, lang=False)
    assert len(arts) == 2
    assert "unsupported file type '.md'" in arts.attrs["rejected"].loc[0, "reason"]


# ------------------------------------------------------------------ errors


def test_errors_name_the_file_and_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        corpus.load(tmp_path / "nope")
    with pytest.raises(ValueError, match=r"x\.pdf.*unsupported extension '\.pdf'"):
        corpus.load(write(tmp_path / "x.pdf", "hi"))
    table = write(tmp_path / "t.csv", "id,story,source\n1,hello,S\n")
    with pytest.raises(ValueError, match=r"t\.csv: no text column.*\['id', 'story', 'source'\]"):
        corpus.load(table)
    with pytest.raises(ValueError, match=r"t\.csv: no column 'words'.*'story'"):
        corpus.load(table, text="words")
    with pytest.raises(TypeError, match="unknown column mapping"):
        corpus.load(table, texts="body")
    bad = write(tmp_path / "bad.jsonl", '{"text": "ok"}\n{"text": oops}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl: malformed JSON on line 2"):
        corpus.load(bad)
    d = tmp_path / "d"
    d.mkdir()
    write(d / "a.txt", raw_dump("Headline", BODY_A))
    write(d / "manifest.csv", "name,outlet\na.txt,X\n")
    with pytest.raises(ValueError, match=r"manifest\.csv: manifest has no 'file' column.*'name'"):
        corpus.load(d)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="holds no"):
        corpus.load(empty)


# ------------------------------------------------------------------ html


def html_page(title, *paragraphs, author="Jane Doe", date="2022-10-30"):
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title><meta name='author' content='{author}'>"
            f"<meta property='article:published_time' content='{date}'>"
            "<link rel='canonical' href='https://example.com/story'></head>"
            f"<body><nav>Home | World | Sport</nav><article><h1>{title}</h1>{ps}</article>"
            "<footer>Copyright 2022</footer></body></html>")


def test_html_file(tmp_path):
    page = write(tmp_path / "story.html", html_page("Kazakhstan balances its partners", BODY_A, BODY_B))
    arts = corpus.load(page, lang=False)
    row = arts.iloc[0]
    assert row["doc_id"] == "story"
    assert row["text"] == BODY_A + "\n\n" + BODY_B
    assert row["title"] == "Kazakhstan balances its partners"
    assert row["byline"] == "Jane Doe"
    assert (row["date"], row["date_precision"]) == ("2022-10-30", "day")
    assert row["url"] == "https://example.com/story"
    assert arts.attrs["audit"].empty


def test_mixed_folder(tmp_path):
    write(tmp_path / "one.txt", raw_dump("Headline one", BODY_A))
    write(tmp_path / "two.htm", html_page("Headline two", BODY_B))
    arts = corpus.load(tmp_path, lang=False)
    assert arts["doc_id"].tolist() == ["one", "two"]
    assert set(arts.attrs["audit"]["doc_id"]) == {"one"}


# ------------------------------------------------------------------ tables

ROWS = [
    {"id": 7, "source": "Paper A", "body": f"{BODY_A}\r\n\r\n\r\n{BODY_B}  ", "published": "2020-05-01",
     "authors": ["Ann", "Bob"], "topic": "world"},
    {"id": 3, "source": "Paper B", "body": f"  {BODY_B}\n{BODY_A}", "published": "5/26/19",
     "authors": None, "topic": "economy"},
    {"id": 9, "source": "Paper B", "body": "   ", "published": "", "authors": "Cy", "topic": "x"},
    {"id": 3, "source": "Paper C", "body": BODY_A, "published": "2021", "authors": "", "topic": "y"},
]


def check_table(arts, name):
    corpus.validate(arts)
    assert arts["doc_id"].tolist() == ["3", "7"]
    assert arts["outlet"].tolist() == ["Paper B", "Paper A"]
    assert arts["text"].tolist() == [BODY_B + "\n\n" + BODY_A, BODY_A + "\n\n" + BODY_B]
    assert arts["date"].tolist() == ["2019-05-26", "2020-05-01"]
    assert arts["topic"].tolist() == ["economy", "world"]
    assert arts["source"].tolist() == [f"{name}:2", f"{name}:1"]
    rej = arts.attrs["rejected"].sort_values("source")
    assert rej.values.tolist() == [[f"{name}:3", "9", "empty text"],
                                   [f"{name}:4", "3", f"duplicate doc_id (first kept: {name}:2)"]]
    assert arts.attrs["audit"].empty


def test_csv_with_column_mapping(tmp_path):
    path = tmp_path / "t.csv"
    frame = pd.DataFrame(ROWS).assign(authors=lambda d: d["authors"].map(
        lambda v: ", ".join(v) if isinstance(v, list) else v))
    frame.to_csv(path, index=False)
    arts = corpus.load(path, text="body", outlet="source", doc_id="id", lang=False)
    check_table(arts, "t.csv")
    assert arts.set_index("doc_id").loc["7", "byline"] == "Ann, Bob"


def test_jsonl_defaults(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n\n")
    arts = corpus.load(path, text="body", lang=False)  # id, source, published, authors by default
    check_table(arts, "t.jsonl")
    assert arts.set_index("doc_id").loc["7", "byline"] == "Ann, Bob"
    assert arts.set_index("doc_id").loc["3", "byline"] == ""


def test_jsonl_gz(tmp_path):
    path = tmp_path / "t.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(r) for r in ROWS))
    check_table(corpus.load(path, text="body", lang=False), "t.jsonl.gz")


def test_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    authors = [["Ann", "Bob"], [], ["Cy"], []]
    pd.DataFrame(ROWS).assign(authors=authors).to_parquet(path)
    arts = corpus.load(path, text="body", lang=False)
    check_table(arts, "t.parquet")
    assert arts["byline"].tolist() == ["", "Ann, Bob"]


def test_table_row_numbers_as_ids_and_clean_option(tmp_path):
    path = tmp_path / "t.csv"
    texts = [raw_dump(f"Headline {i}", BODY_A) for i in range(11)]
    pd.DataFrame({"text": texts, "outlet": "X"}).to_csv(path, index=False)
    arts = corpus.load(path, lang=False)
    assert arts["doc_id"].tolist() == [f"{i:02d}" for i in range(1, 12)]
    assert arts.attrs["audit"].empty
    cleaned = corpus.load(path, lang=False, clean=True)
    audit = cleaned.attrs["audit"]
    assert set(audit["doc_id"]) == set(cleaned["doc_id"])
    assert "Headline 0" not in cleaned.loc[0, "text"]


# ------------------------------------------------------------------ language, seeds, validate


def test_language_detection_is_py3langid_on_the_first_characters():
    import py3langid

    texts = pd.Series([BODY_A, "La politique étrangère du Kazakhstan est équilibrée entre ses voisins.",
                       "Die Außenpolitik Kasachstans sucht gute Beziehungen zu allen Nachbarn.",
                       "Внешняя политика Казахстана остаётся многовекторной.", ""], dtype="str")
    got = language.detect(texts).tolist()
    assert got == [py3langid.classify(t[:language.LANG_CHARS])[0] if t else "" for t in texts]
    assert got == ["en", "fr", "de", "ru", ""]
    # only the first `chars` characters count
    mixed = pd.Series(["Привет, как дела у вас сегодня? " + BODY_A * 5], dtype="str")
    assert language.detect(mixed, chars=30).tolist() == ["ru"]
    assert language.detect(mixed).tolist() == ["en"]


def test_table_texts_normalized_counted_and_detected(tmp_path):
    """A table's texts: trimmed, every run of line breaks one blank line, words counted as
    str.split() counts them (every kind of whitespace), the language detected; one process
    or two, the same articles."""
    texts = [BODY_A, "La politique étrangère du Kazakhstan est équilibrée entre ses voisins.",
             "  Die Außenpolitik Kasachstans  \r\n \n sucht gute Beziehungen.\t",
             "Внешняя политика\u3000Казахстана остаётся многовекторной.", "", "one\x1ctwo  three",
             "a\xa0b\u2028c\u200bd \x85e\x0bf\x0cg\x1fh"]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps({"id": str(i), "outlet": "X", "text": t})
                              for i, t in enumerate(texts)))
    one = corpus.load(path, n_jobs=1)
    two = corpus.load(path, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)
    for key in ("rejected", "audit"):
        pd.testing.assert_frame_equal(one.attrs[key], two.attrs[key])
    assert one["lang"].tolist()[:5] == ["en", "fr", "de", "ru", "en"]
    assert one["n_words"].tolist() == [len(t.split()) for t in one["text"]]
    assert one["n_words"].tolist()[:5] == [len(BODY_A.split()), 10, 6, 5, 3]
    assert one.loc[2, "text"] == "Die Außenpolitik Kasachstans\n\nsucht gute Beziehungen."
    assert one.attrs["rejected"]["reason"].tolist() == ["empty text"]


def test_seeds_end_to_end():
    arts = corpus.load(SEEDS)
    corpus.validate(arts)
    assert len(arts) == 5 and arts.attrs["rejected"].empty
    manifest = pd.read_csv(SEEDS / "manifest.csv", dtype=str, keep_default_na=False)
    assert arts["outlet"].tolist() == manifest["outlet"].tolist()
    assert arts["doc_id"].tolist() == [f[:-4] for f in manifest["file"]]
    by_id = arts.set_index(arts["doc_id"].str[:3])
    assert tuple(by_id.loc["002", ["date", "date_precision"]]) == ("2013-09", "month")
    assert tuple(by_id.loc["004", ["date", "date_precision"]]) == ("2023", "year")
    assert tuple(by_id.loc["000", ["date", "date_precision"]]) == ("2022-12-15", "day")
    assert by_id.loc["001", "byline"] == "Mohammad Al-Kassim / The Media Line"
    assert "notes" in arts.columns
    assert set(arts["lang"]) == {"en"}
    assert (arts["n_words"] > 300).all()
    assert not arts["text"].str.contains("\n\n\n").any()
    audit = arts.attrs["audit"]
    for doc_id, source in zip(arts["doc_id"], arts["source"]):
        lines = (SEEDS / Path(source).name).read_text(encoding="utf-8").splitlines()
        got = audit[audit["doc_id"] == doc_id]
        assert got["line_no"].tolist() == list(range(1, len(lines) + 1))
    assert audit["kept"].any() and not audit["kept"].all()


def test_validate():
    good = corpus.load(SEEDS, lang=False)
    assert corpus.validate(good) is good
    with pytest.raises(ValueError, match=r"missing columns \['lang'\]"):
        corpus.validate(good.drop(columns="lang"))
    with pytest.raises(ValueError, match="duplicate doc_id"):
        corpus.validate(pd.concat([good, good.iloc[:1]], ignore_index=True))  # attrs compare
    bad = good.astype({"text": object})
    bad.loc[1, "text"] = None
    with pytest.raises(ValueError, match="'text' must hold strings"):
        corpus.validate(bad)
    with pytest.raises(ValueError, match="date_precision 'day' does not match date '2013-09'"):
        corpus.validate(good.assign(date_precision="day"))
    with pytest.raises(ValueError, match="'date' must be ISO"):
        corpus.validate(good.assign(date="15/12/2022"))
    with pytest.raises(ValueError, match="n_words"):
        corpus.validate(good.assign(n_words=1.5))
    with pytest.raises(ValueError, match="DataFrame"):
        corpus.validate([1, 2])


def test_attrs_survive_subsets_concat_and_merge():
    arts = corpus.load(SEEDS, lang=False)
    parts = pd.concat([arts[arts["outlet"] < "P"], arts[arts["outlet"] >= "P"]])
    assert parts.attrs["audit"] is arts.attrs["audit"]
    merged = arts.merge(arts[["doc_id", "n_words"]], on="doc_id", suffixes=("", "_again"))
    assert len(merged) == 5 and merged.attrs["rejected"] is arts.attrs["rejected"]
    assert type(arts.attrs["audit"].head()) is pd.DataFrame


# ------------------------------------------------------------------ duplicates


def tiny_corpus():
    words = (BODY_A + " " + BODY_B).split()
    near = words.copy()
    near[10] = "carefully"  # one word changed: 5 of the 45 shingles differ
    other = "Football results from the weekend league matches and the transfer news in brief".split()
    rows = [("x1", "Outlet B", "2022-10-31", " ".join(words)),
            ("x2", "Outlet A", "2022-10-30", " ".join(near)),
            ("x3", "Outlet C", "2022-10-01", " ".join(other * 3))]
    arts = pd.DataFrame(rows, columns=["doc_id", "outlet", "date", "text"])
    return arts.assign(source=arts["doc_id"] + ".txt")


@pytest.mark.parametrize("method", ["exact", "minhash"])
def test_duplicates(method):
    arts = tiny_corpus()
    n_shingles = len(re.findall(r"\w+", arts.loc[0, "text"])) - 4
    expected = (n_shingles - 5) / (n_shingles + 5)  # Jaccard: shared / union
    found = corpus.duplicates(arts, 0.8, method=method)
    assert found[["cluster", "doc_id", "outlet"]].values.tolist() == [
        [0, "x1", "Outlet B"], [0, "x2", "Outlet A"]]
    assert found["similarity"].tolist() == pytest.approx([expected, expected])
    assert corpus.duplicates(arts, 0.95, method=method).empty


def test_dedupe_keeps_earliest():
    arts = tiny_corpus()
    arts.attrs["rejected"] = pd.DataFrame([("z.txt", "z", "empty text")],
                                          columns=["source", "doc_id", "reason"])
    out = corpus.dedupe(arts, corpus.duplicates(arts))
    assert out["doc_id"].tolist() == ["x2", "x3"]  # x2 is dated a day earlier than x1
    rej = out.attrs["rejected"]
    assert rej["doc_id"].tolist() == ["x1", "z"]
    assert rej.loc[0, "reason"].startswith("near-duplicate of x2")
    assert len(arts) == 3  # input untouched


def test_jsonl_line_numbers_count_blank_lines_and_every_gzip_member_is_read(tmp_path):
    lines = [json.dumps(r) for r in ROWS]
    path = tmp_path / "t.jsonl.gz"
    with open(path, "wb") as fh:  # two gzip members, a blank line inside the first
        fh.write(gzip.compress(("\n".join(lines[:2]) + "\n\n").encode()))
        fh.write(gzip.compress("\n".join(lines[2:]).encode()))
    arts = corpus.load(path, text="body", lang=False)
    assert arts["source"].tolist() == ["t.jsonl.gz:2", "t.jsonl.gz:1"]
    assert sorted(arts.attrs["rejected"]["source"]) == ["t.jsonl.gz:4", "t.jsonl.gz:5"]  # 3 blank
    assert arts["date"].tolist() == ["2019-05-26", "2020-05-01"]


def test_jsonl_iso_dates_stay_as_written(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"id": 1, "text": "Some words here.", "date": "2021-03-04",
                                "seen": "2021-03-04T10:00:00"}) + "\n")
    arts = corpus.load(path, lang=False)
    assert arts["date"].tolist() == ["2021-03-04"]
    assert arts["seen"].tolist() == ["2021-03-04T10:00:00"]


def test_unreadable_gzip_names_the_file(tmp_path):
    """Not gzip, cut short, a damaged block or a wrong checksum: a ValueError naming the file."""
    good = gzip.compress((json.dumps({"text": "x " * 3000}) + "\n").encode())
    damaged = bytearray(gzip.compress(os.urandom(3000) + b"x" * 5000))
    damaged[40:60] = b"\xff" * 20
    crc = bytearray(good)
    crc[-6] ^= 0xFF
    for name, data in [("plain.jsonl.gz", b'{"text": "x"}\n'), ("short.jsonl.gz", good[:30]),
                       ("damaged.jsonl.gz", bytes(damaged)), ("crc.jsonl.gz", bytes(crc))]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError, match=re.escape(str(path)) + ": not a readable gzip"):
            corpus.load(path, lang=False)
    path = tmp_path / "good.jsonl.gz"
    path.write_bytes(good)
    assert corpus.load(path, lang=False)["n_words"].tolist() == [3000]


def test_jsonl_reader_numbers_the_lines_holding_more_than_whitespace(tmp_path):
    datas = [b"", b"\n", b"{}", b"{}\n", b"\n{}", b'{"a": 1}\n\n{"a": 2}\n',
             b' \n\t\n{"x": 1}\n  {"y": 2}\n\r\n', b'{}\n\x0b\n \t{"z": 3}\n', b"\n\n\n{}"]
    for i, data in enumerate(datas):
        path = tmp_path / f"t{i}.jsonl"
        path.write_bytes(data)
        want = [n for n, line in enumerate(data.split(b"\n"), 1) if line.strip()]
        frame, numbers = readers.read_jsonl(path, path.name)
        assert list(numbers) == want and len(frame) == len(want), data


def test_blank_texts_are_rejected_as_empty(tmp_path):
    texts = ["", " ", " a", "a", "\n\n", "\u3000", "\x1c", "x ", "\u200b"]
    path = tmp_path / "t.csv"
    pd.DataFrame({"id": [f"d{i}" for i in range(len(texts))], "text": texts}).to_csv(path, index=False)
    arts = corpus.load(path, lang=False)
    blank = [f"d{i}" for i, t in enumerate(texts) if t.strip() == ""]
    assert sorted(arts.attrs["rejected"]["doc_id"]) == blank
    assert sorted(arts["doc_id"]) == sorted(set(f"d{i}" for i in range(len(texts))) - set(blank))


def test_a_new_format_is_one_reader_and_one_registry_line(tmp_path, monkeypatch):
    def read_tsv(path, name):
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        return df, range(1, len(df) + 1)

    monkeypatch.setitem(readers.READERS, ".tsv", readers.Reader(read_tsv, table=True))
    path = write(tmp_path / "t.tsv", f"id\toutlet\tbody\n1\tX\t{BODY_A}\n")
    arts = corpus.load(path, text="body", lang=False)
    assert arts[["doc_id", "outlet", "text", "source"]].values.tolist() == [
        ["1", "X", BODY_A, "t.tsv:1"]]


def test_progress_bar_over_the_files_of_a_folder(folder, monkeypatch):
    import tqdm.auto

    bars = []

    class Bar:
        def __init__(self, iterable=None, **kwargs):
            bars.append(kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            bars[-1]["done"] = bars[-1].get("done", 0) + n

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    quiet = corpus.load(folder, lang=False, progress=False)
    shown = corpus.load(folder, lang=False)
    assert [b["disable"] for b in bars] == [True, False]
    assert bars[1]["unit"] == "file" and bars[1]["delay"] > 0  # only when it takes a while
    assert bars[1]["total"] == bars[1]["done"] == 2
    pd.testing.assert_frame_equal(quiet, shown)
    pd.testing.assert_frame_equal(quiet.attrs["audit"], shown.attrs["audit"])


def _read_text_leaving_pid(path, name):
    """readers.read_text that leaves a file named after the process reading it."""
    (Path(os.environ["KZMEDIA_TEST_PIDS"]) / f"{os.getpid()}-{path.name}").touch()
    return readers.read_text(path, name)


def test_folder_read_in_processes_equals_one_process(tmp_path, monkeypatch):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(11):
        write(d / f"s{i:02d}.txt", raw_dump(f"Story {i}", BODY_A, f"Paragraph {i}. " + BODY_B))
    write(d / "s03.txt", b"caf\xe9 in Astana\x81\n")  # no text: rejected, in order
    write(d / "s07.txt", "\n\n")                  # empty after cleaning
    write(d / "s11.html", "<html><body></body></html>")  # no main text
    write(d / "manifest.csv", "file,outlet\ns01.txt,Listed Outlet\n")
    monkeypatch.setattr(corpus, "PARALLEL_MIN_FILES", 4)
    monkeypatch.setattr(corpus, "FILE_CHUNK", 3)  # several chunks, the last one short
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # files not in the manifest, empty file
        one = corpus.load(d, lang=False, n_jobs=1)
        if can_fork():  # forked readers see a reader registered here
            seen = tmp_path / "pids"
            seen.mkdir()
            monkeypatch.setenv("KZMEDIA_TEST_PIDS", str(seen))
            monkeypatch.setitem(readers.READERS, ".txt",
                                readers.READERS[".txt"]._replace(read=_read_text_leaving_pid))
        two = corpus.load(d, lang=False, n_jobs=2)
    if can_fork():
        pids = {p.name.split("-", 1)[0] for p in seen.iterdir()}
        assert len(list(seen.iterdir())) == 11 and str(os.getpid()) not in pids
    pd.testing.assert_frame_equal(one, two)
    for key in ("rejected", "audit"):
        pd.testing.assert_frame_equal(one.attrs[key], two.attrs[key])
    assert one.loc[one["doc_id"] == "s01", "outlet"].item() == "Listed Outlet"
    assert one.attrs["rejected"]["doc_id"].tolist() == ["s03", "s07", "s11"]
    assert len(one) == 9
