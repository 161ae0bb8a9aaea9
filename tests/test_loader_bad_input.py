"""The loader on bad input: paths out of the folder, odd files, dates, ids, CSV dialects and
encodings, scripts other than Latin, oversized files, and the command line's error path."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from kzmedia import cli, corpus, readers

ROOT = Path(__file__).resolve().parents[1]

BODY = ("Kazakhstan pursues a multi-vector foreign policy that balances its relations with "
        "Russia, China, the United States and the European Union.")
BODY2 = ("Officials in Astana met their counterparts from Central Asia to discuss trade routes, "
         "water sharing and the Middle Corridor across the Caspian Sea.")


def dump(title="A headline on the talks"):
    return f"{title}\n\n{BODY}\n\n{BODY2}\n"


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def load(path, **kw):
    """corpus.load with the warnings it issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        arts = corpus.load(path, lang=kw.pop("lang", False), progress=False, n_jobs=1, **kw)
    return arts, [str(w.message) for w in caught]


def reasons(arts) -> dict:
    rej = arts.attrs["rejected"]
    return dict(zip(rej["source"], rej["reason"]))


# ------------------------------------------------------------------ paths and files


def test_manifest_paths_outside_the_folder_are_rejected_and_never_opened(tmp_path, monkeypatch):
    secret = write(tmp_path / "outside.txt", dump("Not part of the corpus"))
    d = tmp_path / "c" / "corpus"
    write(d / "a.txt", dump())
    write(d / "manifest.csv", "file,outlet\n"
                              "a.txt,A\n"
                              "../../../../../../etc/passwd,B\n"
                              "../../outside.txt,C\n"
                              f"{secret},D\n"
                              "sub/../../corpus/a.txt,E\n")
    opened = []
    real = readers.READERS[".txt"]
    monkeypatch.setitem(readers.READERS, ".txt", real._replace(
        read=lambda path, name: opened.append(Path(path).resolve()) or real.read(path, name)))
    arts, _ = load(d)
    assert arts["doc_id"].tolist() == ["a"] and arts["outlet"].tolist() == ["A"]
    assert secret.resolve() not in opened and Path("/etc/passwd") not in opened
    why = reasons(arts)
    assert "leads outside the corpus folder (../../../../../../etc/passwd): not read" in \
        why["corpus/../../../../../../etc/passwd"]
    assert "leads outside the corpus folder" in why["corpus/../../outside.txt"]
    assert why[secret.as_posix()] == (f"listed in manifest.csv with a path that is absolute "
                                      f"({secret}), not relative to the corpus folder: not read")
    # a path through a subfolder that comes back into the folder is the same file, listed twice
    assert len(why) == 4


def test_folders_are_read_recursively_with_paths_as_ids(tmp_path):
    d = tmp_path / "corpus"
    write(d / "top.txt", dump())
    write(d / "2022" / "a.txt", dump())
    write(d / "2023" / "a.txt", dump())  # the same name in another folder: no duplicate
    write(d / "2023" / "deep" / "b.txt", dump())
    arts, _ = load(d)
    assert arts["doc_id"].tolist() == ["2022/a", "2023/a", "2023/deep/b", "top"]
    assert arts["source"].tolist() == ["corpus/2022/a.txt", "corpus/2023/a.txt",
                                       "corpus/2023/deep/b.txt", "corpus/top.txt"]
    assert arts.attrs["rejected"].empty


def test_hidden_and_unsupported_files_are_listed_in_rejected(tmp_path):
    d = tmp_path / "corpus"
    write(d / "a.txt", dump())
    write(d / ".draft.txt", dump())
    write(d / ".git" / "HEAD.txt", dump())
    write(d / "sub" / "notes.md", "notes")
    write(d / "sub" / "photo.jpg", b"\xff\xd8")
    arts, _ = load(d)
    assert arts["doc_id"].tolist() == ["a"]
    why = reasons(arts)
    assert why == {
        "corpus/.draft.txt": "hidden file: not read",
        "corpus/.git/": "hidden folder: not read",
        "corpus/sub/notes.md": "unsupported file type '.md' in folder (expected .txt, .html, .htm, .docx)",
        "corpus/sub/photo.jpg": "unsupported file type '.jpg' in folder (expected .txt, .html, .htm, .docx)",
    }


def test_link_out_of_the_folder_is_rejected(tmp_path):
    outside = write(tmp_path / "elsewhere" / "x.txt", dump())
    d = tmp_path / "corpus"
    write(d / "a.txt", dump())
    (d / "x.txt").symlink_to(outside)
    (d / "more").symlink_to(outside.parent, target_is_directory=True)
    arts, _ = load(d)
    assert arts["doc_id"].tolist() == ["a"]
    why = reasons(arts)
    assert why["corpus/x.txt"] == "a link to a file outside the corpus folder: not read"
    assert why["corpus/more/"] == "a link to a folder: not followed"


def test_files_above_the_size_limit_are_rejected_with_the_reason(tmp_path):
    d = tmp_path / "corpus"
    write(d / "small.txt", dump())
    write(d / "big.txt", dump() + ("More text. " * 200))
    arts, _ = load(d, max_bytes=1000)
    assert arts["doc_id"].tolist() == ["small"]
    size = (d / "big.txt").stat().st_size
    assert reasons(arts)["corpus/big.txt"] == (
        f"file too large: {size:,} bytes, above the limit of 1,000 (corpus.load's max_bytes)")
    assert len(load(d, max_bytes=None)[0]) == 2
    assert corpus.MAX_FILE_BYTES >= 1_000_000  # a long article fits the default


# ------------------------------------------------------------------ dates


def dated_csv(tmp_path, dates, name="t.csv"):
    rows = "".join(f'{i},"{d}","{BODY}"\n' for i, d in enumerate(dates, 1))
    return write(tmp_path / name, "id,date,text\n" + rows)


def dates_of(arts):
    return arts.set_index("doc_id")["date"].to_dict()


def date_audit(arts):
    audit = arts.attrs["audit"]
    return audit[audit["line_no"] == 0].set_index("doc_id")[["text", "kept", "reason"]]


def test_day_first_decided_once_per_column_from_unambiguous_dates(tmp_path):
    arts, msgs = load(dated_csv(tmp_path, ["03/04/2016", "13/04/2016", "4/5/16", "05/05/2016"]))
    assert dates_of(arts) == {"1": "2016-04-03", "2": "2016-04-13", "3": "2016-05-04",
                              "4": "2016-05-05"}
    flagged = date_audit(arts)
    assert flagged.index.tolist() == ["1", "3"]  # day and month both 12 or less, and different
    assert flagged["kept"].all()
    assert flagged.loc["1", "reason"] == ("date: day/month order assumed (day-first, as the "
                                          "column's unambiguous dates)")
    assert any("t.csv:1 '03/04/2016'" in m and "read with an assumption" in m for m in msgs)


def test_month_first_column(tmp_path):
    arts, _ = load(dated_csv(tmp_path, ["03/04/2016", "04/13/2016"]))
    assert dates_of(arts) == {"1": "2016-03-04", "2": "2016-04-13"}


def test_ambiguous_dates_without_evidence_or_with_both_orders_are_left_out(tmp_path):
    arts, msgs = load(dated_csv(tmp_path, ["03/04/2016", "07/07/2016"]))
    assert dates_of(arts) == {"1": "", "2": "2016-07-07"}
    assert "no date in the column has a day above 12" in date_audit(arts).loc["1", "reason"]
    assert not date_audit(arts).loc["1", "kept"]
    arts, _ = load(dated_csv(tmp_path, ["03/04/2016", "13/04/2016", "04/13/2016"], "both.csv"))
    assert dates_of(arts) == {"1": "", "2": "2016-04-13", "3": "2016-04-13"}
    assert "dates of both orders" in date_audit(arts).loc["1", "reason"]


def test_impossible_calendar_dates_are_left_out_with_warning_and_audit_row(tmp_path):
    arts, msgs = load(dated_csv(tmp_path, ["2016-02-30", "2016-13", "31/02/2016", "2016-02-29"]))
    corpus.validate(arts)
    assert dates_of(arts) == {"1": "", "2": "", "3": "", "4": "2016-02-29"}
    assert arts.set_index("doc_id")["date_precision"].to_dict() == {
        "1": "", "2": "", "3": "", "4": "day"}
    audit = date_audit(arts)
    assert audit["reason"].tolist() == ["date: impossible calendar date"] * 3
    assert audit["text"].tolist() == ["2016-02-30", "2016-13", "31/02/2016"]
    assert not audit["kept"].any()
    msg = next(m for m in msgs if "impossible" in m)
    assert "3 date(s) left empty" in msg and "t.csv:1 '2016-02-30'" in msg and "t.csv:3" in msg


def test_time_zones_give_the_utc_date(tmp_path):
    given = ["Tue, 15 Nov 1994 23:12:31 -0500", "Wed, 16 Nov 1994 08:12:31 GMT",
             "2016-03-04T23:30:00-05:00", "2016-03-04T10:00:00+05:00", "2016-03-04T12:00:00Z",
             "2016-03-04 23:30:00"]
    arts, msgs = load(dated_csv(tmp_path, given))  # mixed zones: no crash
    assert dates_of(arts) == {"1": "1994-11-16", "2": "1994-11-16", "3": "2016-03-05",
                              "4": "2016-03-04", "5": "2016-03-04", "6": "2016-03-04"}
    assert not msgs


def test_years_before_1800_or_after_next_year_are_left_out(tmp_path):
    next_year = pd.Timestamp.now().year + 1
    arts, msgs = load(dated_csv(tmp_path, ["0001-11-30", "1799-12-31", "1800-01-01",
                                           f"{next_year}-01-01", f"{next_year + 1}-01-01"]))
    assert dates_of(arts) == {"1": "", "2": "", "3": "1800-01-01", "4": f"{next_year}-01-01",
                              "5": ""}
    assert date_audit(arts).index.tolist() == ["1", "2", "5"]
    assert date_audit(arts)["reason"].str.startswith("date: year out of range").all()
    assert any("t.csv:1 '0001-11-30'" in m for m in msgs)


def test_two_digit_years_are_expanded_by_the_documented_rule(tmp_path):
    assert corpus.expand_year(17, 2027) == 2017
    assert corpus.expand_year(27, 2027) == 2027
    assert corpus.expand_year(28, 2027) == 1928
    assert corpus.expand_year(99, 2027) == 1999
    arts, _ = load(dated_csv(tmp_path, ["7/23/17", "12/22/16", "4/4/17", "15 Nov 94"]))
    assert dates_of(arts) == {"1": "2017-07-23", "2": "2016-12-22", "3": "2017-04-04",
                              "4": "1994-11-15"}


def test_other_forms_keep_their_precision_and_a_date_without_year_is_left_out():
    out = corpus.normalize_dates(pd.Series(["March 2016", "3 March 2016", "Monday", "soon",
                                            "2013-09", "2023", ""]), max_year=2027)
    assert out["date"].tolist() == ["2016-03", "2016-03-03", "", "", "2013-09", "2023", ""]
    assert out["date_precision"].tolist() == ["month", "day", "", "", "month", "year", ""]
    assert out["issue"].tolist() == ["", "", "no year", "unparseable", "", "", ""]


def test_date_errors_of_a_folder_name_the_file(tmp_path):
    d = tmp_path / "corpus"
    write(d / "a.txt", dump())
    write(d / "b.txt", dump())
    write(d / "manifest.csv", "file,published\na.txt,2016-02-30\nb.txt,2016-02-03\n")
    arts, msgs = load(d)
    assert dates_of(arts) == {"a": "", "b": "2016-02-03"}
    assert any("corpus/a.txt '2016-02-30'" in m for m in msgs)
    audit = arts.attrs["audit"]
    assert audit[audit["doc_id"] == "a"]["line_no"].tolist()[0] == 0  # before the text's lines


# ------------------------------------------------------------------ ids and outlets


def test_null_and_blank_ids_get_stable_ids_without_false_duplicates(tmp_path):
    rows = [{"id": None, "text": BODY}, {"id": "", "text": BODY2}, {"id": "  ", "text": BODY},
            {"id": "row-4", "text": BODY2}, {"id": "x", "text": BODY}]
    path = write(tmp_path / "t.jsonl", "\n".join(json.dumps(r) for r in rows))
    arts, msgs = load(path)
    assert arts["doc_id"].tolist() == ["row-1", "row-2", "row-3", "row-4", "x"]
    assert arts.attrs["rejected"].empty
    assert any("t.jsonl: 3 row(s) without an id" in m for m in msgs)
    rows[2]["id"] = None
    rows[3]["id"] = None
    rows.insert(0, {"id": "row-4", "text": BODY})  # a given id that a made one would repeat
    path = write(tmp_path / "u.jsonl", "\n".join(json.dumps(r) for r in rows))
    arts, _ = load(path)
    assert sorted(arts["doc_id"]) == ["row-2", "row-3", "row-4", "row-4-generated", "row-5", "x"]
    assert load(path)[0]["doc_id"].tolist() == arts["doc_id"].tolist()  # stable


def test_outlets_stay_as_written(tmp_path):
    rows = [{"id": 1, "outlet": 7, "text": BODY}, {"id": 2, "outlet": None, "text": BODY2},
            {"id": 3, "outlet": 12, "text": BODY}]
    arts, _ = load(write(tmp_path / "t.jsonl", "\n".join(json.dumps(r) for r in rows)))
    assert arts["outlet"].tolist() == ["7", "", "12"]
    assert arts["doc_id"].tolist() == ["1", "2", "3"]
    arts, _ = load(write(tmp_path / "t.csv", f'id,outlet,text\n01,7,"{BODY}"\n2,7.0,"{BODY2}"\n'))
    assert arts["outlet"].tolist() == ["7", "7.0"] and arts["doc_id"].tolist() == ["01", "2"]
    pd.DataFrame(rows).to_parquet(tmp_path / "t.parquet")
    assert load(tmp_path / "t.parquet")[0]["outlet"].tolist() == ["7", "", "12"]


# ------------------------------------------------------------------ CSV dialects and encodings


CSV_ROWS = [("1", "Outlet; A", BODY), ("2", "Outlet, B", "Café in Astana. " + BODY2)]


def csv_text(sep):
    quote = lambda v: f'"{v}"' if any(c in v for c in ",;\t") else v  # noqa: E731
    return "\n".join([sep.join(["id", "outlet", "text"])]
                     + [sep.join(map(quote, r)) for r in CSV_ROWS]) + "\n"


@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_csv_delimiter_and_encoding_are_sniffed(tmp_path, sep, encoding):
    path = write(tmp_path / "t.csv", csv_text(sep).encode(encoding))
    arts, msgs = load(path)
    assert arts["outlet"].tolist() == ["Outlet; A", "Outlet, B"]
    assert arts["text"].tolist() == [BODY, "Café in Astana. " + BODY2]
    notes = [m for m in msgs if "Windows-1252" in m]
    if encoding == "cp1252":
        assert len(notes) == 1 and notes[0].startswith(f"{path}: not valid UTF-8 (byte 0xe9")
    else:
        assert not notes


def test_manifest_delimiter_and_encoding_are_sniffed(tmp_path):
    d = tmp_path / "corpus"
    write(d / "a.txt", dump())
    write(d / "manifest.csv", "file;outlet\na.txt;Le Café\n".encode("cp1252"))
    arts, msgs = load(d)
    assert arts["outlet"].tolist() == ["Le Café"]
    assert any("manifest.csv: not valid UTF-8" in m for m in msgs)


def test_malformed_csv_names_file_and_line(tmp_path):
    path = write(tmp_path / "t.csv", f'id;outlet;text\n1;A;"{BODY}"\n2;B;x;y\n')
    with pytest.raises(ValueError, match=r"t\.csv: malformed CSV, line 3: 4 fields where the "
                                         r"header has 3 \(delimiter ';'"):
        load(path)
    with pytest.raises(ValueError, match=r"t\.csv is not a text file: NUL byte at offset 2"):
        load(write(tmp_path / "t.csv", b"id\x00\x01,text\n"))


# ------------------------------------------------------------------ scripts other than Latin


ZH = ("首页\n新闻\n国际\n哈萨克斯坦与中亚邻国加强合作\n2022年12月15日 10:30 来源：新华网\n"
      "阿斯塔纳12月15日电 哈萨克斯坦总统托卡耶夫周四在阿斯塔纳会见了来自中亚各国的代表团，"
      "双方就贸易、能源和水资源合作等问题深入交换了意见。\n"
      "托卡耶夫表示，哈萨克斯坦愿同地区各国一道，推动“中间走廊”建设，扩大过境运输规模，"
      "为地区经济发展注入新动力。\n相关新闻\n关于我们\n版权所有 © 2022\n")
RU = ("Главная\nНовости\nКазахстан укрепляет связи с соседями\n"
      "Президент Казахстана Касым-Жомарт Токаев в четверг провёл в Астане встречу с делегациями "
      "стран Центральной Азии, на которой обсуждались торговля, энергетика и водные ресурсы.\n"
      "По словам Токаева, Казахстан готов вместе с соседями развивать Срединный коридор и "
      "наращивать объёмы транзитных перевозок через Каспийское море.\nО нас\n"
      "© 2022 Все права защищены\n")


def test_chinese_and_russian_dumps_keep_their_body_and_language(tmp_path):
    d = tmp_path / "corpus"
    write(d / "en.txt", dump())
    write(d / "ru.txt", RU)
    write(d / "zh.txt", ZH.encode("utf-16"))
    arts, _ = load(d, lang=True)
    by_id = arts.set_index("doc_id")
    assert by_id.loc["zh", "text"].split("\n\n") == ZH.splitlines()[5:7]
    assert by_id.loc["ru", "text"].split("\n\n") == RU.splitlines()[3:5]
    assert by_id["lang"].to_dict() == {"en": "en", "ru": "ru", "zh": "zh"}
    assert arts.attrs["rejected"].empty
    caveat = corpus.language_caveat(arts)
    assert caveat.startswith("2 of 3 articles are not in English (")
    assert "ru 1" in caveat and "zh 1" in caveat
    for what in corpus.ENGLISH_ONLY.values():
        assert what in caveat
    assert corpus.language_caveat(arts[arts["lang"] == "en"]) == ""
    assert corpus.language_caveat(arts.assign(lang="und")) == ""


# ------------------------------------------------------------------ the command line


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "kzmedia.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("case", ["malformed", "binary", "no manifest column", "missing"])
def test_cli_input_errors_are_one_line_with_exit_2(tmp_path, case, capsys):
    if case == "malformed":
        corpus_path = write(tmp_path / "t.csv", 'id;text\n1;"x"\n2;a;b\n')
        expected = "t.csv: malformed CSV, line 3"
    elif case == "binary":
        corpus_path = write(tmp_path / "t.csv", b"\x00\x01\x02")
        expected = "t.csv is not a text file: NUL byte at offset 0"
    elif case == "no manifest column":
        corpus_path = tmp_path / "corpus"
        write(corpus_path / "a.txt", dump())
        write(corpus_path / "manifest.csv", "name\na.txt\n")
        expected = "manifest.csv: manifest has no 'file' column"
    else:
        corpus_path = tmp_path / "nope"
        expected = "corpus not found"
    assert cli.main(["analyze", str(corpus_path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kzmedia: error: ") and expected in lines[0]


def test_cli_clean_input_error_is_one_line(tmp_path, capsys):
    assert cli.main(["clean", str(write(tmp_path / "b.txt", b"\x00\x01"))]) == 2
    err = capsys.readouterr().err
    assert err == f"kzmedia: error: {tmp_path / 'b.txt'} is not a text file: NUL byte at offset 0\n"


def test_cli_error_in_a_process_has_no_traceback_and_debug_shows_it(tmp_path):
    path = write(tmp_path / "t.csv", 'id;text\n1;"x"\n2;a;b\n')
    done = run_cli("analyze", path, "--out", tmp_path / "out", "--quiet")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "malformed CSV, line 3" in done.stderr
    done = run_cli("analyze", path, "--out", tmp_path / "out", "--quiet", "--debug")
    assert done.returncode == 1 and "Traceback" in done.stderr and "malformed CSV" in done.stderr
    with pytest.raises(cli.InputError, match="malformed CSV"):
        cli.main(["--debug", "analyze", str(path), "--out", str(tmp_path / "out")])


# ------------------------------------------------------------------ a page saved as HTML too


def test_the_saved_html_page_is_read_instead_of_its_text_dump(tmp_path):
    d = tmp_path / "corpus"
    page = ("<html><head><title>Trade routes</title></head><body><nav>Home | World</nav>"
            f"<article><h1>Trade routes</h1><p>{BODY}</p><p>{BODY2}</p></article>"
            "<footer>Copyright 2022</footer></body></html>")
    write(d / "a.txt", "Home\nWorld\nTrade routes\n" + BODY + "\nMost read\nOther story\n")
    write(d / "a.html", page)
    write(d / "b.txt", dump())
    write(d / "manifest.csv", "file,outlet\na.txt,Paper A\nb.txt,Paper B\n")
    arts, msgs = load(d)
    by_id = arts.set_index("doc_id")
    assert by_id.loc["a", "source"] == "corpus/a.html"
    assert by_id.loc["a", "text"] == f"{BODY}\n\n{BODY2}"  # the page's, not the dump's
    assert by_id["outlet"].to_dict() == {"a": "Paper A", "b": "Paper B"}  # manifest still applies
    assert reasons(arts) == {"corpus/a.txt": "the saved page a.html of the same article is "
                                             "read instead"}
    assert not any("not in manifest" in m for m in msgs)


def test_unreadable_parquet_names_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"t\.parquet: not a readable Parquet file"):
        load(write(tmp_path / "t.parquet", b"PAR1 this is no parquet"))


def test_check_raises_what_load_raises_without_reading_documents(tmp_path, monkeypatch):
    d = tmp_path / "corpus"
    write(d / "a.txt", dump())
    monkeypatch.setitem(readers.READERS, ".txt", readers.READERS[".txt"]._replace(
        read=lambda path, name: pytest.fail("a document was read")))
    corpus.check(d)  # fine
    write(d / "manifest.csv", "name\na.txt\n")
    with pytest.raises(ValueError, match=r"manifest\.csv: manifest has no 'file' column"):
        corpus.check(d)
    with pytest.raises(ValueError, match=r"t\.csv: no text column"):
        corpus.check(write(tmp_path / "t.csv", "id,body_text\n1,x\n"))
    corpus.check(write(tmp_path / "u.csv", "id,body_text\n1,x\n"), text="body_text")
    with pytest.raises(FileNotFoundError):
        corpus.check(tmp_path / "nope")


def test_cli_report_input_error_is_one_line_before_any_notebook(tmp_path, capsys):
    path = write(tmp_path / "t.csv", "id,body_text\n1,x\n")
    code = cli.main(["report", str(path), "--out", str(tmp_path / "out"),
                     "--notebooks", str(ROOT / "notebooks")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("kzmedia: error: ") and err.count("\n") == 1 and "no text column" in err
    assert not (tmp_path / "out").exists()
