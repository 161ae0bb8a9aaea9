"""`kzmedia report` on a second corpus: a generated table grouped by another column (bias),
with groups large enough (n >= 5) for bootstrap intervals and permutation tests."""

import json
import random
from pathlib import Path

import pandas as pd

from kzmedia import report

ROOT = Path(__file__).resolve().parents[1]

SENTENCES = [
    "Kazakhstan pursues a multi-vector foreign policy between Russia and China.",
    "Russia remains Kazakhstan's closest security partner in the CSTO.",
    "China invested billions in the Belt and Road corridor through Kazakhstan.",
    "The European Union signed a strategic partnership with Astana.",
    "Washington praised the reforms but criticised the election.",
    "Protests in Almaty were violently suppressed in January 2022.",
    "Turkey promotes the Middle Corridor across the Caspian Sea.",
    "President Tokayev met Vladimir Putin in Moscow.",
    "Xi Jinping visited Astana and praised the friendship between the two countries.",
    "The United Nations welcomed Kazakhstan's mediation in the Syria talks.",
    "Sanctions on Russia hurt trade along the northern route.",
    "Officials said the new railway was a wonderful success.",
]


def _corpus(path: Path) -> Path:
    rng = random.Random(7)
    rows = []
    outlets = {"left": ["Daily A", "Weekly B"], "center": ["Wire C"], "right": ["Post D", "Times E"]}
    for bias, names in outlets.items():
        for i in range(6):
            paragraphs = [" ".join(rng.sample(SENTENCES, 3)) for _ in range(3)]
            rows.append({"id": f"{bias}-{i}", "outlet": names[i % len(names)], "bias": bias,
                         "date": f"2022-0{i + 1}-1{i}", "title": f"Story {bias} {i}",
                         "text": "\n\n".join(paragraphs)})
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


def test_report_runs_every_notebook_on_a_table_grouped_by_bias(tmp_path):
    """With a period, the time notebook (07) runs too."""
    corpus = _corpus(tmp_path / "second.jsonl")
    out = tmp_path / "report"
    results = report.build(corpus, by="bias", out=out, notebooks=ROOT / "notebooks",
                           progress=False, period="year")
    failed = [(r.name, r.cell, r.error) for r in results if r.status != "ok"]
    assert not failed
    assert len(results) == len(report.find_notebooks(ROOT / "notebooks")) == 7
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"{p.stem}.html" in index for p in report.find_notebooks(ROOT / "notebooks"))
    profile = pd.read_csv(out / "tables" / "profile.csv")
    assert profile["bias"].tolist() == ["center", "left", "right"]
    assert profile["n_articles"].tolist() == [6, 6, 6]
    assert profile["tone_interval"].str.contains("bootstrap").all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["BY"] == "bias"
    assert manifest["parameters"]["PERIOD"] == "year"
    trends = pd.read_csv(out / "tables" / "trends.csv", keep_default_na=False)
    tone = trends[trends["measure"] == "tone"].set_index("bias")
    assert tone["n_articles"].tolist() == [6, 6, 6]    # one year, six articles per bias
    assert tone["interval"].str.contains("bootstrap").all()
