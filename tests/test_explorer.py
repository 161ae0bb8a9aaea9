import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kzmedia import explorer, terms

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
OPTS = dict(stopwords=(), phrases=())


@pytest.fixture
def three():
    """Three outlets; A says apple a lot, C says plum, B is in between."""
    return pd.DataFrame({
        "doc_id": ["a1", "a2", "b1", "c1", "c2"],
        "outlet": ["A", "A", "B", "C", "C"],
        "title": ["Apples", "More apples", "Pears", "Plums", None],
        "url": ["https://example.org/a1", "", None, "https://example.org/c1", ""],
        "date": ["2022-01-05", "2022-02-01", None, "2023-03-03", "2023-04-04"],
        "text": ["apple apple pear kiwi", "apple fig pear", "pear pear plum fig",
                 "plum plum fig kiwi", "plum pear fig"],
    })


def _data_blob(doc: str) -> dict:
    m = re.search(r'<script id="kz-data" type="application/json">(.*?)</script>', doc, re.S)
    return json.loads(m.group(1))


def test_data_equals_keyness(three):
    d = explorer.data(three, "outlet", "A", n_terms=1, n_neutral=1, min_count=1, **OPTS)
    k = terms.keyness(three, "outlet", "log_odds", target="A", min_count=1, **OPTS)
    shown = pd.DataFrame({c: d["terms"][c] for c in
                          ("term", "z", "delta", "count_target", "count_reference",
                           "doc_freq_target", "doc_freq_reference")})
    # the highest z, the lowest z, and the most frequent term between them
    middle = k.iloc[1:-1]
    freq = middle.count_target + middle.count_reference
    want = {k.term.iloc[0], k.term.iloc[-1], middle.term.iloc[int(np.argmax(freq.to_numpy()))]}
    assert set(shown.term) == want and len(shown) == 3
    merged = shown.merge(k, on="term", suffixes=("", "_k"))
    for c in ("z", "delta", "count_target", "count_reference", "doc_freq_target",
              "doc_freq_reference"):
        assert (merged[c] == merged[c + "_k"]).all(), c
    # per thousand terms: A has 7 terms, the rest 11
    apple = shown.term.tolist().index("apple")
    assert d["terms"]["per_k_target"][apple] == pytest.approx(3 / 7 * 1000)
    assert d["terms"]["per_k_reference"][apple] == 0
    assert d["meta"]["tokens_target"] == 7 and d["meta"]["tokens_reference"] == 11
    assert d["meta"]["n_articles_target"] == 2 and d["meta"]["n_articles_reference"] == 3


def test_kwic_lines_and_evidence(three):
    d = explorer.data(three, "outlet", "A", n_terms=10, min_count=1, kwic_lines=20, **OPTS)
    t = d["terms"]
    plum = t["kwic"][t["term"].index("plum")]
    docs = d["docs"]
    got = {docs["doc_id"][d["lines"][i][0]] for i in plum}
    assert got == {"b1", "c1", "c2"}  # one line per article using the term
    line = next(d["lines"][i] for i in plum if docs["doc_id"][d["lines"][i][0]] == "c1")
    assert line[1:] == ["", "plum", "plum fig kiwi"]
    j = docs["doc_id"].index("c1")
    assert (docs["group"][j], docs["title"][j], docs["url"][j], docs["date"][j]) == (
        "C", "Plums", "https://example.org/c1", "2023-03-03")
    # at most kwic_lines lines
    d1 = explorer.data(three, "outlet", "A", n_terms=10, min_count=1, kwic_lines=1, **OPTS)
    assert max(map(len, d1["terms"]["kwic"])) == 1


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tags, self.scripts, self._in = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "action", "data", "poster", "srcset") and v:
                self.refs.append(v)
        self._in = dict(attrs).get("id") if tag == "script" else None

    def handle_data(self, data):
        if self._in is not None or self.tags[-1:] == ["script"]:
            self.scripts.append((self._in, data))


def test_page_makes_no_request_elsewhere(three):
    doc = explorer.page(explorer.data(three, "outlet", "A", min_count=1, **OPTS))
    p = _Refs()
    p.feed(doc)
    assert p.refs == []  # no src/href at all in the page as written
    assert "link" not in p.tags and "img" not in p.tags and "iframe" not in p.tags
    code = "".join(d for i, d in p.scripts if i != "kz-data")
    # no address to any host (the SVG namespace is a name, not fetched)
    assert not re.search(r"(?:https?:)?//[\w-]+\.", code.replace("http://www.w3.org/2000/svg", ""))
    for call in ("fetch(", "XMLHttpRequest", "import(", "WebSocket", "src=", ".src"):
        assert call not in code
    assert "url(" not in doc and "@import" not in doc
    # the data block is the data: article addresses appear there only, as data
    blob = _data_blob(doc)
    assert blob["docs"]["url"].count("https://example.org/a1") <= 1
    assert set(re.findall(r"https?://[^\"\s]+", doc)) <= {"http://www.w3.org/2000/svg",
                                                          "https://example.org/a1",
                                                          "https://example.org/c1"}


def test_page_holds_the_data_and_escapes_it(three):
    hostile = three.assign(title=["</script><script>alert(1)</script>", "x", "y", "z", "w"])
    d = explorer.data(hostile, "outlet", "A", min_count=1, **OPTS)
    doc = explorer.page(d)
    assert "<script>alert(1)" not in doc
    assert _data_blob(doc) == json.loads(json.dumps(d))
    assert 'id="search"' in doc


def test_write_all_names_and_two_groups(tmp_path, three):
    paths = explorer.write_all(tmp_path, three, "outlet", min_count=1, **OPTS)
    assert sorted(p.name for p in paths) == ["explorer-a.html", "explorer-b.html",
                                             "explorer-c.html"]
    two = three[three.outlet != "B"]
    paths = explorer.write_all(tmp_path / "two", two, "outlet", min_count=1, **OPTS)
    assert [p.name for p in paths] == ["explorer.html"]
    assert _data_blob(paths[0].read_text(encoding="utf-8"))["meta"]["target"] == "A"
    assert explorer.file_name("Fox News (Online)", 5) == "explorer-fox-news-online.html"
    with pytest.raises(ValueError, match="give a target"):
        explorer.data(three, "outlet", **OPTS)
    with pytest.raises(ValueError, match="2 or more|two or more"):
        explorer.write_all(tmp_path, three.assign(outlet="A"), "outlet", **OPTS)


def test_show_is_an_iframe_of_the_page(three):
    h = explorer.show(three, "outlet", "C", min_count=1, **OPTS)
    html_text = h.data
    assert html_text.startswith("<iframe srcdoc=\"") and "&lt;!DOCTYPE html&gt;" in html_text
    assert "<script" not in html_text  # all of the page is inside the attribute


def test_seeds_explorer_finds_variants_in_context():
    from kzmedia import corpus

    arts = corpus.load(SEEDS)
    d = explorer.data(arts, "outlet", "The Diplomatic Insight", min_count=2)
    t = d["terms"]
    assert "multi-vector" in t["term"] and "multivector" not in t["term"]
    lines = [d["lines"][i] for i in t["kwic"][t["term"].index("multi-vector")]]
    spellings = {ln[2].lower() for ln in lines}
    assert "multi-vector" in spellings and "multivector" in spellings
    assert "said" not in t["term"]


def test_one_group_or_no_term_says_so(tmp_path):
    one = pd.DataFrame({"doc_id": ["1"], "outlet": ["A"], "text": ["hello world"]})
    d = explorer.data(one, "outlet", "A")
    assert d["terms"]["term"] == [] and "only group" in d["meta"]["empty"]
    path = explorer.write(tmp_path / "one.html", one, "outlet", "A")
    assert "only group" in _data_blob(path.read_text(encoding="utf-8"))["meta"]["empty"]
    two = pd.DataFrame({"doc_id": ["1", "2"], "outlet": ["A", "B"], "text": ["hello", "x"]})
    d2 = explorer.data(two, "outlet")
    assert d2["terms"]["term"] == [] and "at least 5 times" in d2["meta"]["empty"]
    assert d2["meta"]["target"] == "A" and d2["meta"]["reference"] == "B"
