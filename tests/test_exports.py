"""Database exports (kzmedia.exports): Nexis Uni .docx, LexisNexis .txt, Factiva HTML.

The LexisNexis and Factiva fixtures are small text files in tests/fixtures/exports/; the
Nexis Uni .docx is written here with python-docx, in the layout the database exports.
"""

import shutil
from pathlib import Path

import docx
import pandas as pd
import pytest

from kzmedia import corpus, exports
from kzmedia.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
SEEDS = Path(__file__).parent.parent / "seeds"
LEXIS = FIXTURES / "lexisnexis_kazakhstan.txt"

# Export furniture that must never reach an article's text.
FURNITURE = ("DOCUMENTS", "BYLINE", "SECTION:", "LENGTH:", "LOAD-DATE", "LANGUAGE:",
             "PUBLICATION-TYPE", "Copyright", "All Rights Reserved", "Search Request",
             "Late Edition", "End of Document", "Load-Date", "Section:", "Length:", "Byline:",
             "Classification", "Document J", "Dow Jones", "gdip", "Job Number", "Client/Matter")

NEXIS_ARTICLES = [
    dict(title="Kazakhstan's president visits Beijing", outlet="The Guardian (London)",
         dateline="July 1, 2019 Monday 9:20 AM GMT",
         copyright="Copyright 2019 Guardian News and Media Limited All Rights Reserved",
         section="WORLD NEWS; Version:2", length="52 words", byline="Shaun Walker in Almaty",
         body=["Kazakhstan's president flew to Beijing on Monday, his first trip abroad.",
               "Officials in Astana describe the policy as multi-vector.",
               "\u201cWe are friends with everyone,\u201d an adviser said."],
         trailer=["Classification", "Language: ENGLISH", "Publication-Type: Web Publication",
                  "Subject: DIPLOMACY (90%); FOREIGN POLICY (88%)",
                  "Load-Date: July 2, 2019"]),
    dict(title="Astana talks on Syria end without a deal", outlet="The Moscow Times",
         dateline="July 12, 2019 Friday", copyright=None, section="News", length="31 words",
         byline=None,
         body=["Talks on Syria in the Kazakh capital ended on Friday without a final statement.",
               "The next round is planned for the autumn."],
         trailer=["Load-Date: July 13, 2019"]),
]


def write_nexis_docx(path: Path, articles=NEXIS_ARTICLES) -> Path:
    """A Nexis Uni export as the database writes it: the cover page with its document list,
    then each article on its own page, ending with "End of Document"."""
    d = docx.Document()
    for line in ("User Name: =", "Date and Time: = July 8, 2019 2:03 PM EDT",
                 "Job Number: 94366412", f"Documents ({len(articles)})"):
        d.add_paragraph(line)
    for n, art in enumerate(articles, 1):
        d.add_paragraph(f"{n}. {art['title']}")
        for line in ("Client/Matter: -None-", "Search Terms: Kazakhstan AND diplomacy",
                     "Search Type: Terms and Connectors", "Narrowed by:",
                     "Content Type Narrowed by", "News Timeline: Jul 01, 2019 to Jul 31, 2019"):
            d.add_paragraph(line)
    for art in articles:
        d.add_page_break()
        d.add_heading(art["title"], level=1)
        d.add_paragraph(art["outlet"])
        d.add_paragraph(art["dateline"])
        if art["copyright"]:
            d.add_paragraph(art["copyright"])
        d.add_paragraph(f"Section: {art['section']}")
        d.add_paragraph(f"Length: {art['length']}")
        if art["byline"]:
            d.add_paragraph(f"Byline: {art['byline']}")
        d.add_paragraph("Body")
        for para in art["body"]:
            d.add_paragraph(para)
        d.add_paragraph("")
        for line in art["trailer"]:
            d.add_paragraph(line)
        d.add_paragraph("")
        d.add_paragraph("End of Document")
    d.save(path)
    return path


def assert_no_furniture(texts):
    for text in texts:
        for mark in FURNITURE:
            assert mark not in text, f"{mark!r} in {text!r}"


# --------------------------------------------------------------------------- LexisNexis


def test_lexisnexis_txt_is_one_row_per_article():
    a = corpus.load(LEXIS, lang=False)
    assert list(a["doc_id"]) == [f"lexisnexis_kazakhstan#{n}" for n in (1, 2, 3)]
    assert list(a["source"]) == [f"lexisnexis_kazakhstan.txt#{n}" for n in (1, 2, 3)]
    assert list(a["outlet"]) == ["The New York Times", "The Guardian (London)",
                                 "The Moscow Times"]
    assert list(a["date"]) == ["2019-07-01", "2019-07-05", "2019-07"]
    assert list(a["date_precision"]) == ["day", "day", "month"]
    assert list(a["title"]) == ["Kazakhstan Courts Both Beijing and Moscow",
                                "Central Asia's quiet broker looks west",
                                "Nur-Sultan hosts Syria talks"]  # the last from HEADLINE:
    assert list(a["byline"]) == ["ANDREW HIGGINS", "Shaun Walker", "Staff"]
    # a hard-wrapped paragraph is one paragraph; the dateline field is not body
    assert a["text"][0] == (
        "The new president of Kazakhstan held talks with leaders in Beijing and Moscow "
        "within a single week, a balancing act that officials call multi-vector diplomacy."
        "\n\nDiplomats in the capital said the visits were meant to reassure both neighbours."
        '\n\n"We have no enemies," a senior official said.')
    # the copyright line closing the body of article 2 is furniture
    assert a["text"][1] == ("Kazakhstan has signed a new partnership agreement with the "
                            "European Union.\n\nThe deal covers trade, energy and education.")
    assert_no_furniture(a["text"])
    assert list(a["section"]) == ["Section A; Column 0; Foreign Desk; Pg. 8",
                                  "WORLD NEWS; Version:2", "NEWS"]
    assert list(a["length"]) == ["64", "41", "20"]
    assert list(a["language"]) == ["ENGLISH"] * 3
    assert list(a["export_id"]) == ["", "", "MT-2019-0712"]
    assert list(a["position"]) == ["1", "2", "3"]
    assert set(a["export"]) == {"lexisnexis"}
    assert a.attrs["rejected"].empty


def test_lexisnexis_audit_gives_every_line_its_fate():
    a = corpus.load(LEXIS, lang=False)
    audit = a.attrs["audit"]
    lines = LEXIS.read_text(encoding="utf-8").splitlines()
    nonblank = {i for i, line in enumerate(lines, 1) if line.strip()}
    assert sorted(audit["line_no"]) == sorted(nonblank)  # each line once, in one article
    reasons = dict(zip(audit["line_no"], audit["reason"]))
    assert reasons[1] == "export: request header"
    assert reasons[5] == "export: document count"
    assert reasons[14] == "export: edition"  # "Late Edition - Final"
    assert reasons[8] == "export: copyright line"
    kept = audit[audit["kept"]]
    assert set(kept["reason"]) == {"body"}
    assert set(kept["doc_id"]) == set(a["doc_id"])


def test_lexisnexis_article_without_body_is_rejected_with_its_audit(tmp_path):
    text = LEXIS.read_text(encoding="utf-8").replace(
        "The capital again hosted talks on Syria between Russia, Turkey and Iran.\n", "")
    path = tmp_path / "batch.txt"
    path.write_text(text, encoding="utf-8")
    a = corpus.load(path, lang=False)
    assert list(a["doc_id"]) == ["batch#1", "batch#2"]
    rejected = a.attrs["rejected"]
    assert list(rejected["doc_id"]) == ["batch#3"]
    assert list(rejected["source"]) == ["batch.txt#3"]
    assert "batch#3" in set(a.attrs["audit"]["doc_id"])


def test_lexisnexis_article_without_metadata_fields_keeps_its_body(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("                 1 of 1 DOCUMENT\n\n          Tengri News\n\n"
                    "          March 3, 2022\n\nAstana offers to mediate\n\n"
                    "Kazakhstan offered to host talks.\n\nNo date was set.\n\n"
                    "LOAD-DATE: March 4, 2022\n", encoding="utf-8")
    a = corpus.load(path, lang=False)
    assert list(a[["outlet", "date", "title"]].iloc[0]) == ["Tengri News", "2022-03-03",
                                                            "Astana offers to mediate"]
    assert a["text"][0] == "Kazakhstan offered to host talks.\n\nNo date was set."


# --------------------------------------------------------------------------- Nexis Uni


def test_nexis_uni_docx_is_one_row_per_article(tmp_path):
    path = write_nexis_docx(tmp_path / "nexis_kz.docx")
    a = corpus.load(path, lang=False)
    assert list(a["doc_id"]) == ["nexis_kz#1", "nexis_kz#2"]
    assert list(a["title"]) == [art["title"] for art in NEXIS_ARTICLES]
    assert list(a["outlet"]) == ["The Guardian (London)", "The Moscow Times"]
    assert list(a["date"]) == ["2019-07-01", "2019-07-12"]
    assert list(a["byline"]) == ["Shaun Walker in Almaty", ""]
    assert list(a["text"]) == ["\n\n".join(art["body"]) for art in NEXIS_ARTICLES]
    assert_no_furniture(a["text"])
    assert list(a["section"]) == ["WORLD NEWS; Version:2", "News"]
    assert list(a["length"]) == ["52", "31"]
    assert list(a["language"]) == ["ENGLISH", ""]
    assert set(a["export"]) == {"nexis_uni"}
    audit = a.attrs["audit"]
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    nonblank = {i for i, p in enumerate(paragraphs, 1) if p.strip()}
    assert sorted(audit["line_no"]) == sorted(nonblank)
    first = audit[audit["doc_id"] == "nexis_kz#1"].set_index("text")["reason"]
    assert first["Job Number: 94366412"] == "export: document list"
    assert first["1. Kazakhstan's president visits Beijing"] == "export: document list"
    assert first[NEXIS_ARTICLES[0]["copyright"]] == "export: copyright line"
    assert first["Load-Date: July 2, 2019"] == "export: field Load-Date"
    assert first["End of Document"] == "export: End of Document"


def test_nexis_uni_date_line_is_found_past_a_wrapped_field(tmp_path):
    # a Highlight field continued in a second paragraph, and the copyright line first
    article = dict(NEXIS_ARTICLES[1], copyright=None)
    paragraphs = ["Astana talks on Syria end without a deal", "The Moscow Times",
                  "Copyright 2019 The Moscow Times", "July 12, 2019 Friday",
                  "Highlight: Russia, Turkey and Iran met again.", "No statement followed.",
                  "Section: News", "Body", *article["body"], "Load-Date: July 13, 2019",
                  "End of Document"]
    (row,) = exports.parse_nexis_uni(paragraphs, "x.docx")
    assert (row["title"], row["outlet"], row["date"]) == (
        "Astana talks on Syria end without a deal", "The Moscow Times", "2019-07-12")
    assert row["text"] == "\n\n".join(article["body"])
    reasons = dict(zip(row["audit"]["text"], row["audit"]["reason"]))
    assert reasons["No statement followed."] == "export: field continued"
    assert reasons["Highlight: Russia, Turkey and Iran met again."] == "export: field Highlight"
    assert reasons["Copyright 2019 The Moscow Times"] == "export: copyright line"


def test_a_word_file_that_is_not_a_nexis_export_is_rejected_naming_it(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    d = docx.Document()
    d.add_paragraph("Minutes of the editorial meeting.")
    d.save(folder / "notes.docx")
    shutil.copy(LEXIS, folder)
    a = corpus.load(folder, lang=False)
    assert len(a) == 3
    rejected = a.attrs["rejected"]
    assert list(rejected["source"]) == ["corpus/notes.docx"]
    assert "corpus/notes.docx" in rejected["reason"][0]
    assert "not a Nexis Uni export" in rejected["reason"][0]
    alone = corpus.load(folder / "notes.docx", lang=False)
    assert alone.empty and "notes.docx" in alone.attrs["rejected"]["reason"][0]
    (folder / "broken.docx").write_text("not a zip", encoding="utf-8")
    reasons = corpus.load(folder, lang=False).attrs["rejected"].set_index("source")["reason"]
    assert reasons["corpus/broken.docx"] == "corpus/broken.docx: not a readable Word (.docx) file"


# --------------------------------------------------------------------------- Factiva


def test_factiva_html_is_one_row_per_article_with_lp_and_td_only():
    a = corpus.load(FIXTURES / "factiva_en.html", lang=False)
    assert list(a["doc_id"]) == ["factiva_en#1", "factiva_en#2"]
    assert list(a["title"]) == ["Kazakhstan seeks balance between Russia and China",
                                "Astana hosts regional summit"]
    assert list(a["outlet"]) == ["The Wall Street Journal", "Reuters News"]
    assert list(a["date"]) == ["2011-12-29", "2012-01-03"]
    assert list(a["byline"]) == ["Nathan Hodge", ""]
    assert a["text"][0] == (
        "ALMATY, Kazakhstan -- Kazakhstan's government said it would keep close ties with "
        "both Moscow and Beijing.\n\nOfficials described the approach as multi-vector.\n\n"
        "Analysts said the policy had served the country well since independence.\n\n"
        "The foreign ministry did not respond to a request for comment.")
    assert_no_furniture(a["text"])
    assert list(a["export_id"]) == ["J000000020111229e7ct0000x", "LBA0000020120103e813002ab"]
    assert list(a["length"]) == ["295", "1204"]
    assert list(a["section"]) == ["World News", ""]


@pytest.mark.parametrize("lang, outlet, date, length, byline", [
    ("fr", "Le Monde", "2011-12-29", "295", "Isabelle Mandraud"),  # 29 décembre 2011, 295 mots
    ("de", "Frankfurter Allgemeine Zeitung", "2016-03-07", "188", ""),  # 7 März 2016
    ("es", "El País", "2015-05-13", "312", "Pilar Bonet"),  # 13 mayo 2015, 312 palabras
    ("ru", "Коммерсантъ", "2011-12-29", "250", "Иван Петров"),  # 29 декабря 2011, 250 слов
])
def test_factiva_in_other_interface_languages(lang, outlet, date, length, byline):
    a = corpus.load(FIXTURES / f"factiva_{lang}.html", lang=False)
    assert len(a) == 1
    row = a.iloc[0]
    assert (row["outlet"], row["date"], row["length"], row["byline"]) == (outlet, date, length,
                                                                          byline)
    assert row["text"].count("\n\n") == 1  # one LP and one TD paragraph, nothing else
    assert_no_furniture(a["text"])
    assert row["export_id"] and " " not in row["export_id"]


def test_parse_date_and_length():
    assert exports.parse_date("July 1, 2019 Monday 9:20 AM GMT") == "2019-07-01"
    assert exports.parse_date("July 1, 2019 Monday 11:30 PM EST") == "2019-07-01"  # as written
    assert exports.parse_date("29 décembre 2011") == "2011-12-29"
    assert exports.parse_date("29. Dezember 2011") == "2011-12-29"
    assert exports.parse_date("29 de diciembre de 2011") == "2011-12-29"
    assert exports.parse_date("29 декабря 2011 г.") == "2011-12-29"
    assert exports.parse_date("July 2019") == "2019-07"
    assert exports.parse_date("Summer 2019") == "2019"
    assert exports.parse_date("Monday") == "Monday"  # no year: left for the loader to flag
    assert exports.parse_length("1 204 mots") == "1204"
    assert exports.parse_length("295 Wörter") == "295"
    assert exports.parse_length("about a page") == ""


# --------------------------------------------------------------------------- by content


def test_exports_are_recognised_by_content_not_by_name(tmp_path):
    assert exports.sniff(LEXIS) == "lexisnexis"
    assert exports.sniff(FIXTURES / "factiva_ru.html") == "factiva"
    assert exports.sniff(write_nexis_docx(tmp_path / "x.docx")) == "nexis_uni"
    assert {exports.sniff(p) for p in SEEDS.glob("*.txt")} == {None}  # scraped dumps
    renamed = tmp_path / "downloaded.htm"
    shutil.copy(FIXTURES / "factiva_de.html", renamed)
    assert exports.sniff(renamed) == "factiva"
    page = tmp_path / "page.html"
    page.write_text("<html><body><div class='article'><p>HD is a resolution.</p>"
                    "<table><tr><td>HD</td><td>Watch in HD</td></tr></table></div>"
                    "</body></html>", encoding="utf-8")
    assert exports.sniff(page) is None


def test_a_folder_mixing_exports_and_scraped_files_loads_all(tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(SEEDS, folder)
    shutil.copy(LEXIS, folder)
    shutil.copy(FIXTURES / "factiva_fr.html", folder)
    write_nexis_docx(folder / "nexis_kz.docx")
    with pytest.warns(UserWarning, match="not in manifest.csv"):
        a = corpus.load(folder, lang=False)
    seeds = corpus.load(SEEDS, lang=False)
    assert len(a) == len(seeds) + 3 + 1 + 2
    assert a.attrs["rejected"].empty
    scraped = a[a["export"] == ""].drop(columns=list(exports.COLUMNS)).reset_index(drop=True)
    pd.testing.assert_frame_equal(scraped.drop(columns="source"),
                                  seeds.drop(columns="source"))
    assert a.set_index("doc_id").loc["factiva_fr#1", "source"] == "mixed/factiva_fr.html#1"
    assert set(a["export"]) == {"", "lexisnexis", "factiva", "nexis_uni"}
    assert_no_furniture(a.loc[a["export"] != "", "text"])
    # the seeds' audit is the cleaner's, the exports' their own
    audit = a.attrs["audit"]
    assert set(audit["doc_id"]) == set(a["doc_id"])


def test_a_manifest_row_of_an_export_applies_to_each_of_its_articles(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(LEXIS, folder)
    shutil.copy(FIXTURES / "factiva_en.html", folder)
    (folder / "manifest.csv").write_text(
        "file,bias\nlexisnexis_kazakhstan.txt,left\nfactiva_en.html,right\n", encoding="utf-8")
    a = corpus.load(folder, lang=False)
    assert dict(zip(a["doc_id"], a["bias"])) == {
        "factiva_en#1": "right", "factiva_en#2": "right", "lexisnexis_kazakhstan#1": "left",
        "lexisnexis_kazakhstan#2": "left", "lexisnexis_kazakhstan#3": "left"}
    assert list(a["outlet"][:2]) == ["The Wall Street Journal", "Reuters News"]  # as exported


def test_a_line_break_inside_a_word_paragraph_is_a_paragraph_break(tmp_path):
    path = write_nexis_docx(tmp_path / "nexis.docx")
    d = docx.Document(str(path))
    para = next(p for p in d.paragraphs if p.text == NEXIS_ARTICLES[1]["body"][1])
    para.add_run().add_break()
    para.add_run("Diplomats expect a statement then.")
    d.save(path)
    a = corpus.load(path, lang=False)
    assert a["text"][1].endswith("planned for the autumn.\n\nDiplomats expect a statement then.")


def test_analyze_on_a_folder_with_an_export(tmp_path, capsys):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(LEXIS, folder)
    shutil.copy(FIXTURES / "factiva_en.html", folder)
    out = tmp_path / "tables"
    assert main(["analyze", str(folder), "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    articles = pd.read_csv(out / "articles.csv", dtype=str, keep_default_na=False)
    assert sorted(articles["doc_id"]) == ["factiva_en#1", "factiva_en#2",
                                          "lexisnexis_kazakhstan#1", "lexisnexis_kazakhstan#2",
                                          "lexisnexis_kazakhstan#3"]
    profile = pd.read_csv(out / "profile.csv", dtype=str, keep_default_na=False)
    assert {"The New York Times", "Reuters News"} <= set(profile.iloc[:, 0])
    assert (out / "audit.csv").is_file()
