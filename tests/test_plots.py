"""kzmedia.plots: one look on every page, and figures that stay readable with many groups or
almost no data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kzmedia import plots  # noqa: E402
from kzmedia.plots import style  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_tone_is_printed_as_the_contrast_sentences_print_it():
    # numpy rounds the float 0.765 (0.76500000000000001...) down: np.round(0.765, 2) == 0.76,
    # so a table rounded with pandas showed 0.76 where a sentence said +0.77
    assert np.round(0.765, 2) == 0.76
    assert style.tone_text(0.765) == "+0.77" == f"{0.765:+.2f}"
    assert style.tone_text(-0.2) == "-0.20"
    assert style.tone_text(float("nan")) == "–"
    assert style.share_text(0.5) == "50%"
    assert style.share_text(0.0456) == "4.6%"


def test_every_package_vector_has_its_own_colour_and_label():
    labels = style.vector_labels()
    assert set(labels) <= set(style.VECTOR_COLORS)
    assert len(set(style.VECTOR_COLORS.values())) == len(style.VECTOR_COLORS)
    assert style.vector_label("central_asia") == labels["central_asia"] != "central_asia"
    colors = style.vector_colors(["russia", "china", "mars", "venus"])
    assert colors["russia"] == style.VECTOR_COLORS["russia"]
    assert len(set(colors.values())) == 4
    assert style.vector_colors(["venus", "mars"]) == {k: colors[k] for k in ("mars", "venus")}


def test_top_groups_by_size_then_name():
    shown, rest = style.top_groups({"b": 5, "a": 5, "c": 1, "d": 9}, 3)
    assert shown == ["a", "b", "d"] and rest == ["c"]
    assert style.top_groups({"b": 1, "a": 2}, None) == (["a", "b"], [])
    assert style.literal("Money $5 and $10") == r"Money \$5 and \$10"


def _frame_scores(n_groups):
    rows = []
    for g in range(n_groups):
        for frame, value in [("f1", 0.5), ("f2", 0.1)]:
            rows.append({"outlet": f"o{g:02d}", "frame": frame, "label": frame.upper(),
                         "measure": "share_of_articles", "n_articles": 1 if g == 0 else 4,
                         "mean": value if g else 1.0})
    return pd.DataFrame(rows)


def test_frame_heatmap_pools_groups_beyond_top_and_shows_counts():
    ax = plots.frame_heatmap(_frame_scores(20), measure="share_of_articles", top=5)
    cols = [t.get_text() for t in ax.get_xticklabels()]
    # o00 (1 article) is the smallest: pooled with o06..o19 (4 articles each)
    assert cols[:5] == [f"o{g:02d} (n=4)" for g in range(1, 6)]
    assert cols[5] == "other 15 outlet values (n=57)"
    texts = [t.get_text() for t in ax.texts]
    assert "50%\n2/4" in texts
    assert "51%\n29/57" in texts             # (14 x 4 x 0.5 + 1 x 1.0) / 57 articles
    assert "other 15 pooled in the last column" in ax.get_title()
    assert not any(p.get_hatch() for p in ax.patches)
    ax = plots.frame_heatmap(_frame_scores(2), measure="share_of_articles")
    assert "100%\n1/1" in [t.get_text() for t in ax.texts]
    hatched = [p for p in ax.patches if p.get_hatch() == style.few_hatch]
    assert len(hatched) == 2 and {p.get_xy()[0] for p in hatched} == {0}   # o00's column


def test_vector_heatmap_marks_cells_on_few_sentences():
    vt = pd.DataFrame({"outlet": ["a", "a"], "vector": ["russia", "china"],
                       "mean_compound": [0.765, -0.2], "n_sentences": [1, 12], "n_articles": [1, 1]})
    ax = plots.vector_heatmap(vt)
    texts = [t.get_text() for t in ax.texts]
    assert "+0.77\n(1)" in texts and "-0.20\n(12)" in texts
    hatched = [p for p in ax.patches if p.get_hatch() == style.few_hatch]
    assert len(hatched) == 1 and hatched[0].get_xy() == (1, 0)   # columns sorted: china, russia
    assert [t.get_text() for t in ax.get_xticklabels()] == ["China", "Russia"]


def test_timeline_survives_an_impossible_date_and_no_dates():
    arts = pd.DataFrame({"doc_id": ["a", "b", "c"], "outlet": ["x", "x", "y"],
                         "date": ["0001-11-30", "2020-01-05", "2013-09"],
                         "date_precision": ["day", "day", "month"], "n_words": [1, 2, 3]})
    ax = plots.timeline(arts)
    assert "1 unreadable date" in ax.get_yticklabels()[0].get_text()
    ax.figure.canvas.draw()
    ax = plots.timeline(arts.assign(date=""))
    assert "3 undated" in ax.get_title()


def test_dashboard_is_page_wide_figures_and_says_when_there_is_one_group():
    tables = {
        "group_tone": pd.DataFrame({"outlet": ["a"], "n_articles": [1], "mean_compound": [0.1],
                                    "ci_low": [np.nan], "ci_high": [np.nan], "interval": ["n=1"]}),
        "keyness_log_odds": pd.DataFrame(columns=["outlet", "term", "score", "count_target",
                                                  "n_target"]),
        "frame_scores_group": _frame_scores(1).assign(measure="share_of_sentences"),
        "attention": pd.DataFrame({"outlet": ["a", "a"], "vector": ["russia", "kazakhstan"],
                                   "focal": [False, True], "n_articles": [1, 1],
                                   "n_mentions": [4, 9], "share_of_mentions": [1.0, np.nan]}),
        "article_tone": pd.DataFrame({"doc_id": ["d"], "outlet": ["a"], "mean_compound": [0.1]}),
    }
    figs = plots.dashboard(tables)
    assert len(figs) == 4
    assert all(f.get_size_inches()[0] <= style.FIGURE_WIDTH for f in figs)
    assert "nothing to set it against" in figs[0].axes[0].texts[0].get_text()


def test_coverage_heatmap_sums_groups_beyond_top():
    rows = [{"outlet": f"o{g}", "period": p, "period_start": f"{p}-01-01",
             "period_end": f"{p}-12-31", "measure": "articles", "n_articles": g + 1}
            for g in range(5) for p in ("2020", "2021")]
    ax = plots.coverage_heatmap(pd.DataFrame(rows), top=2)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["o3", "o4", "other 3 outlet values"]
    assert "largest 2 shown, the other 3 summed" in ax.get_title()
    assert "6" in [t.get_text() for t in ax.texts]      # 1 + 2 + 3 articles in each year


def test_dollar_signs_in_names_are_shown_literally():
    # "$5 and $" would be parsed as math text: the label garbled or drawing failed
    name = "Money $5 and $10"
    vt = pd.DataFrame({"outlet": [name], "vector": ["russia"], "mean_compound": [0.1],
                       "n_sentences": [4], "n_articles": [1]})
    ax = plots.vector_heatmap(vt)
    ax.figure.canvas.draw()
    assert ax.get_yticklabels()[0].get_text() == r"Money \$5 and \$10 (n=1)"
    arts = pd.DataFrame({"doc_id": ["a"], "outlet": [name], "n_words": [10], "date": [""],
                         "date_precision": [""]})
    for ax in (plots.articles_per_outlet(arts), plots.timeline(arts)):
        ax.figure.canvas.draw()
