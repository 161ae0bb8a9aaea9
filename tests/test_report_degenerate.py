"""`kzmedia report` on corpora too small or too odd for most statistics, run the way a user
runs it: the command, from a folder that is not the project's, with the notebooks shipped
with kzmedia. Every notebook must complete (saying in words what the data cannot support)
and every page must be self-contained, described and linked back to the index.

These are full reports (every notebook, one corpus each): the slowest tests of the suite.
"""

import json

import pytest

from kzmedia.cli import main
from pagecheck import check_report

KZ = ("Kazakhstan pursues a multi-vector foreign policy between Russia and China. "
      "President Tokayev met Vladimir Putin in Moscow to discuss security and trade.")
EU = ("The European Union signed a strategic partnership with Astana. "
      "Officials praised the agreement as a great success for the Middle Corridor.")
US = ("Washington criticised the election but welcomed the reforms. "
      "Protests in Almaty were violently suppressed in January 2022.")


def _row(i, outlet, text, date="2022-03-1{}"):
    row = {"id": f"doc{i}", "outlet": outlet, "title": f"Story {i}", "text": text}
    if date:
        row["date"] = date.format(i % 10)
    return row


CORPORA = {
    "one_article": [_row(0, "Daily A", KZ + "\n\n" + EU)],
    "one_outlet": [_row(i, "Daily A", t) for i, t in enumerate([KZ, EU, US, KZ + " " + US])],
    "two_articles": [_row(0, "Daily A", KZ), _row(1, "Weekly B", EU)],
    "all_duplicates": [_row(i, o, KZ + "\n\n" + EU) for i, o in
                       enumerate(["Daily A", "Weekly B", "Wire C"])],
    "no_dates": [_row(i, o, t, date=None) for i, (o, t) in
                 enumerate([("Daily A", KZ), ("Daily A", EU), ("Weekly B", US), ("Weekly B", KZ)])],
    "non_english": [
        _row(0, "Gazeta A", "Казахстан проводит многовекторную внешнюю политику между Россией "
             "и Китаем. Президент Токаев встретился с Путиным в Москве."),
        _row(1, "Journal B", "Le Kazakhstan mène une politique étrangère multivectorielle entre "
             "la Russie et la Chine. Le président Tokaïev a rencontré Poutine à Moscou."),
        _row(2, "Zeitung C", "Kasachstan verfolgt eine multivektorale Außenpolitik zwischen "
             "Russland und China. Präsident Tokajew traf Putin in Moskau."),
    ],
}


@pytest.mark.parametrize("name", list(CORPORA))
def test_every_page_completes_on_a_degenerate_corpus(name, tmp_path, monkeypatch, capsys):
    corpus = tmp_path / "data" / f"{name}.jsonl"
    corpus.parent.mkdir()
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in CORPORA[name]) + "\n",
                      encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)  # not the project folder: the shipped notebooks are found
    code = main(["report", str(corpus), "--out", "out"])
    err = capsys.readouterr().err
    manifest = json.loads((work / "out" / "manifest.json").read_text())
    failed = {nb["name"]: f"cell [{nb['cell']}]: {nb['error']}" for nb in manifest["notebooks"]
              if nb["status"] != "ok"}
    assert failed == {} and code == 0, err[-2000:]
    assert check_report(work / "out") == {}
