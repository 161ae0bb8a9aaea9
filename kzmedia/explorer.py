"""An interactive term explorer: one offline HTML page per comparison of a group with the rest.

Each term is a point: its frequency in the target group (vertical) against its frequency in
the other articles (horizontal), per thousand terms on log axes or as percentile ranks, and
coloured by the log-odds z of :func:`kzmedia.terms.keyness` (informative Dirichlet prior;
docs/methods.md, "The term explorer"). A search box finds terms; clicking one lists its
keyword-in-context lines with the article's id, outlet, date and title (linked to the
article's address when the corpus has one).

The page holds its data (JSON) and its script (plain JavaScript drawing SVG): it makes no
request to any other host and opens from a file, offline. It scales by showing the ``n_terms``
most distinctive terms of each side, ``n_neutral`` of the most frequent terms between them,
and at most ``kwic_lines`` lines per term.

    from kzmedia import corpus, explorer
    arts = corpus.load("articles.jsonl.gz")
    explorer.write_all("out/", arts, by="bias")          # explorer-left.html, ...
    explorer.show(arts, by="bias", target="left")        # the same view in a notebook cell
"""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from . import patterns, terms

__all__ = ["data", "page", "write", "write_all", "show", "file_name"]

_EXTRA_COLUMNS = ("outlet", "date", "title", "url")


def _term_pattern(term: str) -> re.Pattern | None:
    """The regex finding a term of the tables in text: joined phrases read with spaces, and
    the pattern grammar's optional hyphen and separators (so "multi-vector" also finds
    "multivector" and "multi vector", the spellings merged into it)."""
    try:
        return re.compile(patterns.compile_pattern(term.replace("_", " ")), re.IGNORECASE)
    except (re.error, ValueError):
        return None


def _context(text: str, start: int, end: int, window: int) -> tuple[str, str]:
    """``window`` words on each side of text[start:end], within its paragraph."""
    left = text[max(0, start - 40 * window):start]
    right = text[end:end + 40 * window]
    left = re.split(r"\n\s*\n", left)[-1].split()[-window:] if window else []
    right = re.split(r"\n\s*\n", right)[0].split()[:window] if window else []
    return " ".join(left), " ".join(right)


def _pick_docs(rows: np.ndarray, in_target: np.ndarray, k: int,
               rng: np.random.Generator) -> np.ndarray:
    """Up to k of the articles ``rows``, half from the target and half from the rest where
    both have enough, in a seeded random order."""
    t, r = rows[in_target], rows[~in_target]
    t, r = rng.permutation(t), rng.permutation(r)
    half = k // 2
    nt = min(len(t), max(half, k - len(r)))
    nr = min(len(r), k - nt)
    return np.concatenate([t[:nt], r[:nr]])


def data(articles: pd.DataFrame, by: str = "outlet", target=None, *, n_terms: int = 300,
         n_neutral: int = 150, kwic_lines: int = 20, window: int = 8, min_count: int = 5,
         alpha0: float = 1000.0, exclude: bool | Iterable[str] = True, seed: int = 0,
         dtm: terms.DocTerm | None = None, groups: terms.GroupTerms | None = None,
         **token_opts) -> dict:
    """What the explorer page shows, as a JSON-ready dict.

    ``target``: the group compared with all other articles (one value or a list; None is
    allowed when there are exactly two groups: the first). The scores are the rows of
    ``terms.keyness(articles, by, "log_odds", target=target, min_count=min_count,
    alpha0=alpha0, exclude=exclude)``: the ``n_terms`` highest and the ``n_terms`` lowest z,
    and the ``n_neutral`` most frequent of the terms between them. ``kwic_lines``: at most
    this many keyword-in-context lines per term, one per article, half from the target and
    half from the rest where both have them (seeded by ``seed``), ``window`` words each side.
    ``dtm`` / ``groups`` / ``token_opts`` as for :func:`kzmedia.terms.keyness`.

    Keys: ``meta`` (by, target, reference, articles, terms per side, settings), ``terms``
    (a dict of equal-length lists: term, z, delta, count_target, count_reference,
    doc_freq_target, doc_freq_reference, per_k_target, per_k_reference (per thousand terms),
    rank_target, rank_reference (percentile ranks among the shown terms), kwic (the
    positions of the term's lines)), ``lines`` (doc, left, match, right), ``docs`` (doc_id,
    group, outlet, date, title, url).
    """
    if groups is None:
        groups = terms.group_terms(articles, by, dtm=dtm, **token_opts)
    labels = list(groups.labels)
    if target is None:
        if len(labels) != 2:
            raise ValueError(f"give a target: {by!r} has {len(labels)} groups, not 2 "
                             f"({', '.join(map(str, labels[:10]))}{' ...' if len(labels) > 10 else ''})")
        target = labels[0]
    k = terms.keyness(articles, by, "log_odds", target=target, min_count=min_count,
                      alpha0=alpha0, exclude=exclude, groups=groups)
    for c in ("z", "delta"):  # no comparison (one group) or no term used min_count times
        if c not in k.columns:
            k[c] = pd.Series(dtype=float)
    tvals = target if isinstance(target, (list, tuple, set, np.ndarray, pd.Index)) else [target]
    tpos = [labels.index(v) for v in tvals]
    in_target_group = np.isin(groups.codes, tpos)
    tokens = np.asarray(groups.counts.sum(axis=1)).ravel()
    tokens_t = float(tokens[tpos].sum())
    tokens_r = float(tokens.sum() - tokens_t)

    # the ends of the ranking and the most frequent terms between them (k is sorted by z)
    n = len(k)
    ends = np.zeros(n, dtype=bool)
    ends[:min(n_terms, n)] = True
    ends[max(0, n - n_terms):] = True
    middle = np.flatnonzero(~ends)
    total = (k["count_target"] + k["count_reference"]).to_numpy()
    neutral = middle[np.argsort(-total[middle], kind="stable")[:n_neutral]]
    shown = k.iloc[np.sort(np.concatenate([np.flatnonzero(ends), neutral]))].reset_index(drop=True)

    per_t = shown["count_target"].to_numpy(float) / tokens_t * 1000 if tokens_t else np.zeros(len(shown))
    per_r = shown["count_reference"].to_numpy(float) / tokens_r * 1000 if tokens_r else np.zeros(len(shown))
    rank_t = stats.rankdata(per_t) / max(len(shown), 1)
    rank_r = stats.rankdata(per_r) / max(len(shown), 1)

    # KWIC: for each term, articles that use it (from the counts), then its first match there
    vocab = groups.dtm.vocabulary
    cols = np.searchsorted(vocab, shown["term"].to_numpy(dtype=object))
    by_term = groups.dtm.matrix[:, cols].tocsc() if len(cols) else None
    rng = np.random.default_rng(seed)
    texts = articles["text"].fillna("").astype(str).to_numpy(dtype=object)
    doc_index: dict[int, int] = {}
    lines: list[list] = []
    kwic_of: list[list[int]] = []
    for j, term in enumerate(shown["term"]):
        mine: list[int] = []
        rx = _term_pattern(term)
        if rx is not None and kwic_lines > 0:
            rows = by_term.indices[by_term.indptr[j]:by_term.indptr[j + 1]]
            for row in _pick_docs(rows, in_target_group[rows], kwic_lines, rng):
                m = rx.search(texts[row])
                if m is None:  # a spelling the pattern does not reach ("US" for u.s)
                    continue
                left, right = _context(texts[row], m.start(), m.end(), window)
                d = doc_index.setdefault(int(row), len(doc_index))
                mine.append(len(lines))
                lines.append([d, left, m.group(0), right])
        kwic_of.append(mine)

    rows = np.array(list(doc_index), dtype=np.int64)
    docs = {"doc_id": articles["doc_id"].astype(str).to_numpy(dtype=object)[rows].tolist(),
            "group": [str(x) for x in articles[by].to_numpy(dtype=object)[rows]]}
    for c in _EXTRA_COLUMNS:
        if c in articles.columns:
            v = articles[c].iloc[rows]
            if c == "date" and pd.api.types.is_datetime64_any_dtype(v):
                v = v.dt.strftime("%Y-%m-%d")  # a date column as text keeps its precision
            docs[c] = ["" if pd.isna(x) else str(x) for x in v]
        else:
            docs[c] = [""] * len(rows)

    def nums(v, digits=None):
        v = np.asarray(v, dtype=float)
        return [None if not np.isfinite(x) else (round(float(x), digits) if digits else float(x))
                for x in v]

    target_label = " + ".join(map(str, tvals))
    return {
        "meta": {
            "by": str(by), "target": target_label,
            "reference": " + ".join(str(x) for x in labels if x not in tvals)
                         if len(labels) - len(tvals) == 1 else "the rest",
            "n_articles_target": int(in_target_group.sum()),
            "n_articles_reference": int((groups.codes >= 0).sum() - in_target_group.sum()),
            "tokens_target": int(tokens_t), "tokens_reference": int(tokens_r),
            "n_scored": int(n), "n_shown": int(len(shown)), "n_terms": int(n_terms),
            "n_neutral": int(n_neutral), "min_count": int(min_count), "alpha0": float(alpha0),
            "kwic_lines": int(kwic_lines), "excluded": bool(exclude),
            "empty": ("" if n else
                      f"{target_label} is the only group of {by!r}: there is nothing to compare "
                      "it with." if len(labels) < 2 else
                      f"No term is used at least {min_count} times in these articles."),
        },
        "terms": {
            "term": shown["term"].astype(str).tolist(),
            "z": nums(shown["z"]), "delta": nums(shown["delta"]),
            "count_target": shown["count_target"].astype(int).tolist(),
            "count_reference": shown["count_reference"].astype(int).tolist(),
            "doc_freq_target": shown["doc_freq_target"].astype(int).tolist(),
            "doc_freq_reference": shown["doc_freq_reference"].astype(int).tolist(),
            "per_k_target": nums(per_t, 6), "per_k_reference": nums(per_r, 6),
            "rank_target": nums(rank_t, 5), "rank_reference": nums(rank_r, 5),
            "kwic": kwic_of,
        },
        "lines": lines,
        "docs": docs,
    }


def _json_for_script(obj) -> str:
    """JSON that can sit inside <script>: no "</" or "<!--" can close or open anything."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def page(d: dict, title: str | None = None, back: str | None = None) -> str:
    """The self-contained HTML page of :func:`data`'s dict; `back`: the address of a page to
    link back to (a report's ``index.html``)."""
    m = d["meta"]
    title = title or f"Term explorer: {m['target']} against {m['reference']} (by {m['by']})"
    link = (f'<p class="note"><a href="{html.escape(back, quote=True)}">&larr; back to the '
            f'report</a></p>' if back else "")
    return (_TEMPLATE.replace("__TITLE__", html.escape(title))
            .replace("__BACK__", link)
            .replace("__DATA__", _json_for_script(d)))


def write(path, articles: pd.DataFrame, by: str = "outlet", target=None, *,
          back: str | None = None, **kwargs) -> Path:
    """Write the explorer page of ``target`` against the rest to ``path`` (arguments as for
    :func:`data`; `back` as for :func:`page`); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = page(data(articles, by, target, **kwargs), back=back)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a page
    return path


def file_name(group, n_groups: int) -> str:
    """``explorer.html`` for a comparison of two groups, else ``explorer-<group>.html`` (the
    group's value in lower case, runs of other characters than letters and digits as "-")."""
    if n_groups == 2:
        return "explorer.html"
    slug = re.sub(r"[^\w]+", "-", str(group).lower(), flags=re.ASCII).strip("-") or "group"
    return f"explorer-{slug}.html"


def write_all(folder, articles: pd.DataFrame, by: str = "outlet", targets=None, *,
              max_groups: int = 10, dtm: terms.DocTerm | None = None, **kwargs) -> list[Path]:
    """One page per comparison in ``folder``: with two groups one page (``explorer.html``,
    the first group against the second); otherwise each group against the rest
    (``explorer-<group>.html``, :func:`file_name`), for ``targets`` or the ``max_groups``
    groups with the most articles. The group sums are computed once. Returns the paths."""
    groups = terms.group_terms(articles, by, dtm=dtm, **{
        k: v for k, v in kwargs.items() if k in ("numbers", "stopwords", "phrases", "joiner",
                                                 "possessive", "variants")})
    kwargs = {k: v for k, v in kwargs.items()
              if k not in ("numbers", "stopwords", "phrases", "joiner", "possessive", "variants")}
    labels = list(groups.labels)
    if len(labels) < 2:
        raise ValueError(f"{by!r} has {len(labels)} group(s): the explorer compares two or more")
    if targets is None:
        if len(labels) == 2:
            targets = [labels[0]]
        else:
            size = pd.Series(groups.n_articles, index=labels)
            targets = list(size.sort_values(ascending=False, kind="stable").index[:max_groups])
    folder = Path(folder)
    out, used = [], set()
    for t in targets:
        name = file_name(t, len(labels))
        while name in used:  # two groups with the same slug
            name = name.replace(".html", "-1.html")
        used.add(name)
        out.append(write(folder / name, articles, by, t, groups=groups, **kwargs))
    return out


def show(articles: pd.DataFrame, by: str = "outlet", target=None, *, height: int = 1000,
         **kwargs):
    """The explorer in a notebook cell: an ``IPython.display.HTML`` holding the page in an
    iframe's ``srcdoc`` (nothing is fetched; works offline). Arguments as for :func:`data`."""
    from IPython.display import HTML

    doc = page(data(articles, by, target, **kwargs))
    with warnings.catch_warnings():  # IPython suggests IFrame, which needs an address to load
        warnings.simplefilter("ignore", UserWarning)
        return HTML(f'<iframe srcdoc="{html.escape(doc, quote=True)}" '
                    f'style="width:100%;height:{int(height)}px;border:0" '
                    f'title="Term explorer"></iframe>')


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}
.note{color:#555;font-size:13px;margin:0 0 10px;max-width:1300px}
#wrap{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
#plot{flex:0 0 auto}
#side{flex:1 1 360px;min-width:320px;max-width:560px}
#search{width:100%;font-size:15px;padding:6px 8px;box-sizing:border-box}
#hits{font-size:13px;color:#444;margin:4px 0 8px;min-height:1.4em}
#hits a,.list a{cursor:pointer;color:#0b5394;text-decoration:none;margin-right:8px;white-space:nowrap}
#hits a:hover,.list a:hover{text-decoration:underline}
#info{border-top:1px solid #ccc;padding-top:8px}
#info h2{font-size:18px;margin:0 0 4px}
#info table{border-collapse:collapse;font-size:13px;margin-bottom:6px}
#info td{padding:1px 10px 1px 0}
#kwic{max-height:560px;overflow-y:auto}
.line{font-size:13px;margin:0 0 8px;padding-bottom:6px;border-bottom:1px solid #eee}
.line b{background:#fff2a8;font-weight:600}
.src{color:#666;font-size:12px}
.src a{color:#0b5394}
.lists{display:flex;gap:24px;margin-top:8px;max-width:900px}
.list{flex:1}
.list h3{font-size:14px;margin:4px 0}
svg text{font-family:inherit}
.pt{cursor:pointer}
button{font-size:13px;padding:3px 8px;margin-right:6px}
</style></head>
<body>
__BACK__
<h1 id="title"></h1>
<p class="note" id="note"></p>
<div id="wrap">
<div id="plot"><div><button id="scale">Axes: percentile rank</button><span class="note" id="scalenote"></span></div>
<svg id="svg" width="820" height="720" role="img" aria-label="Scatter of term frequencies"></svg>
<div class="lists"><div class="list" id="listT"></div><div class="list" id="listR"></div></div>
</div>
<div id="side">
<input id="search" type="search" placeholder="Search a term (Enter shows the first match)" aria-label="Search a term">
<div id="hits"></div>
<div id="info"><p class="note">Click a point or a term to see where it is used.</p></div>
</div></div>
<script id="kz-data" type="application/json">__DATA__</script>
<script>
(function(){
"use strict";
var D=JSON.parse(document.getElementById("kz-data").textContent);
var M=D.meta,T=D.terms,N=T.term.length,NS="http://www.w3.org/2000/svg";
var svg=document.getElementById("svg"),W=820,H=720,L=70,R=20,TOP=44,B=60;
var useRank=false,selected=-1,matches=null,circles=[];
function el(n,a,p){var e=document.createElementNS(NS,n);for(var k in a)e.setAttribute(k,a[k]);if(p)p.appendChild(e);return e;}
function h(tag,txt,cls){var e=document.createElement(tag);if(txt!=null)e.textContent=txt;if(cls)e.className=cls;return e;}
function fmt(x,d){return x==null?"":x.toFixed(d);}
document.getElementById("title").textContent="Term explorer: "+M.target+" against "+M.reference;
document.getElementById("note").textContent=
 "Grouped by "+M.by+". "+M.n_articles_target+" articles ("+M.tokens_target.toLocaleString("en")+" terms) against "+
 M.n_articles_reference+" ("+M.tokens_reference.toLocaleString("en")+" terms). Each point is a term: its frequency in "+M.target+
 " (up) against the rest (across), per thousand terms. Colour: log-odds z with an informative Dirichlet prior (alpha0 = "+M.alpha0+
 "): red = more frequent in "+M.target+", blue = in the rest, grey = about as frequent in both. Shown: "+
 (M.n_shown===M.n_scored?"all "+M.n_scored+" terms used at least "+M.min_count+" times":
 "the "+M.n_terms+" highest and lowest z and "+M.n_neutral+" frequent terms between them ("+M.n_shown+" of "+M.n_scored+
 " terms used at least "+M.min_count+" times)")+(M.excluded?"; reporting verbs and words of outlet names are left out":"")+".";
// colour: diverging blue - grey - red, saturating at zmax
var absz=T.z.map(function(z){return Math.abs(z||0);}).sort(function(a,b){return a-b;});
var zmax=Math.max(1.96,absz[Math.floor(0.95*(absz.length-1))]||1.96);
function mix(a,b,t){return [0,1,2].map(function(i){return Math.round(a[i]+(b[i]-a[i])*t);});}
function colour(z){var t=Math.max(-1,Math.min(1,(z||0)/zmax));var c=t>=0?mix([205,205,205],[178,24,43],t):mix([205,205,205],[33,102,172],-t);return "rgb("+c.join(",")+")";}
// axes
var lo=Infinity,hi=0;
T.per_k_target.concat(T.per_k_reference).forEach(function(v){if(v>0){lo=Math.min(lo,v);hi=Math.max(hi,v);}});
if(!isFinite(lo)){lo=0.001;hi=1;}
var floor=lo/2,l0=Math.log10(floor),l1=Math.log10(hi*1.2);
function sx(v){return useRank?L+v*(W-L-R):L+(Math.log10(Math.max(v,floor))-l0)/(l1-l0)*(W-L-R);}
function sy(v){return useRank?H-B-v*(H-B-TOP):H-B-(Math.log10(Math.max(v,floor))-l0)/(l1-l0)*(H-B-TOP);}
function xv(i){return useRank?T.rank_reference[i]:T.per_k_reference[i];}
function yv(i){return useRank?T.rank_target[i]:T.per_k_target[i];}
var gAxes=el("g",{},svg),gPts=el("g",{},svg),gLab=el("g",{},svg),gSel=el("g",{},svg);
function drawAxes(){
 while(gAxes.firstChild)gAxes.removeChild(gAxes.firstChild);
 el("rect",{x:L,y:TOP,width:W-L-R,height:H-B-TOP,fill:"none",stroke:"#999"},gAxes);
 var ticks=[];
 if(useRank){for(var q=0;q<=1.0001;q+=0.25)ticks.push([q,Math.round(q*100)+"%"]);}
 else{ticks.push([floor,"0"]);for(var e=Math.ceil(l0+0.01);e<=l1;e++){var v=Math.pow(10,e);ticks.push([v,v>=1?String(v):String(+v.toPrecision(1))]);}}
 ticks.forEach(function(t){
  var x=sx(t[0]),y=sy(t[0]);
  el("line",{x1:x,x2:x,y1:TOP,y2:H-B,stroke:"#eee"},gAxes);el("line",{x1:L,x2:W-R,y1:y,y2:y,stroke:"#eee"},gAxes);
  el("text",{x:x,y:H-B+16,"text-anchor":"middle","font-size":12,fill:"#444"},gAxes).textContent=t[1];
  el("text",{x:L-6,y:y+4,"text-anchor":"end","font-size":12,fill:"#444"},gAxes).textContent=t[1];});
 el("line",{x1:sx(useRank?0:floor),y1:sy(useRank?0:floor),x2:sx(useRank?1:hi*1.2),y2:sy(useRank?1:hi*1.2),stroke:"#bbb","stroke-dasharray":"4 4"},gAxes);
 var unit=useRank?"percentile rank of frequency":"per thousand terms, log scale";
 el("text",{x:(L+W-R)/2,y:H-20,"text-anchor":"middle","font-size":13},gAxes).textContent="Frequency in "+M.reference+" ("+unit+")";
 var ty=el("text",{x:18,y:(TOP+H-B)/2,"text-anchor":"middle","font-size":13,transform:"rotate(-90 18 "+((TOP+H-B)/2)+")"},gAxes);
 ty.textContent="Frequency in "+M.target+" ("+unit+")";
 // legend
 var lg=el("g",{},gAxes),lx=W-R-172,ly=4;
 el("text",{x:lx-8,y:ly+9,"font-size":11,"text-anchor":"end"},lg).textContent="log-odds z";
 for(var k=0;k<=40;k++){el("rect",{x:lx+k*4,y:ly,width:4.5,height:10,fill:colour((k/20-1)*zmax)},lg);}
 el("text",{x:lx,y:ly+24,"font-size":11},lg).textContent="z \u2264 \u2212"+zmax.toFixed(1);
 el("text",{x:lx+80,y:ly+24,"font-size":11,"text-anchor":"middle"},lg).textContent="0";
 el("text",{x:lx+164,y:ly+24,"font-size":11,"text-anchor":"end"},lg).textContent="\u2265 "+zmax.toFixed(1);
 document.getElementById("scalenote").textContent=useRank?" (ties share a rank)":" (a term not used on one side sits on the line marked 0)";
}
// points: drawn from low |z| to high so the distinctive ones are on top
var order=[];for(var i=0;i<N;i++)order.push(i);
order.sort(function(a,b){return Math.abs(T.z[a]||0)-Math.abs(T.z[b]||0);});
order.forEach(function(i){
 var c=el("circle",{r:3.6,fill:colour(T.z[i]),"fill-opacity":0.85,stroke:"none",class:"pt"},gPts);
 el("title",{},c).textContent=T.term[i]+"  z = "+fmt(T.z[i],2)+"  ("+T.count_target[i]+" / "+T.count_reference[i]+")";
 c.addEventListener("click",function(){select(i);});circles[i]=c;});
var labelled=[];
(function(){var idx=[];for(var i=0;i<N;i++)idx.push(i);
 idx.sort(function(a,b){return T.z[b]-T.z[a];});labelled=idx.slice(0,12).concat(idx.slice(-12));})();
function place(){
 for(var i=0;i<N;i++){circles[i].setAttribute("cx",sx(xv(i)));circles[i].setAttribute("cy",sy(yv(i)));}
 while(gLab.firstChild)gLab.removeChild(gLab.firstChild);
 var boxes=[];
 labelled.forEach(function(i){if(i===selected)return;  // drawn bold with the selection
  var w=6.2*T.term[i].length,x=sx(xv(i))+5,y=sy(yv(i))-4;
  var right=x+w>W-R;if(right)x-=w+10;
  // a label that would overlap one already drawn is left to the tooltip
  if(boxes.some(function(b){return x<b[0]+b[2]&&b[0]<x+w&&Math.abs(y-b[1])<12;}))return;
  boxes.push([x,y,w]);
  var t=el("text",{x:right?x+w:x,y:y,"font-size":11,fill:"#333",class:"pt","text-anchor":right?"end":"start"},gLab);
  t.textContent=T.term[i];t.addEventListener("click",function(){select(i);});});
 drawSel();}
function drawSel(){
 while(gSel.firstChild)gSel.removeChild(gSel.firstChild);
 if(matches)matches.slice(0,50).forEach(function(i){el("circle",{cx:sx(xv(i)),cy:sy(yv(i)),r:6,fill:"none",stroke:"#e69f00","stroke-width":2},gSel);});
 if(selected>=0){var x=sx(xv(selected)),y=sy(yv(selected));
  el("circle",{cx:x,cy:y,r:7,fill:"none",stroke:"#000","stroke-width":2},gSel);
  var right=x>W-R-8*T.term[selected].length-20;  // near the right edge: label on the left
  var t=el("text",{x:right?x-9:x+9,y:y+4,"font-size":14,"font-weight":"bold",fill:"#000","text-anchor":right?"end":"start"},gSel);
  t.textContent=T.term[selected];}
 for(var i=0;i<N;i++)circles[i].setAttribute("fill-opacity",matches&&matches.indexOf(i)<0?0.15:0.85);}
function select(i){
 selected=i;place();
 var info=document.getElementById("info");info.innerHTML="";
 info.appendChild(h("h2",T.term[i]));
 var tb=h("table");
 [["log-odds z",fmt(T.z[i],2)],["log-odds ratio (delta)",fmt(T.delta[i],3)],
  ["uses in "+M.target,T.count_target[i]+" ("+fmt(T.per_k_target[i],3)+" per thousand, "+T.doc_freq_target[i]+" articles)"],
  ["uses in "+M.reference,T.count_reference[i]+" ("+fmt(T.per_k_reference[i],3)+" per thousand, "+T.doc_freq_reference[i]+" articles)"]
 ].forEach(function(r){var tr=h("tr");tr.appendChild(h("td",r[0]));tr.appendChild(h("td",r[1]));tb.appendChild(tr);});
 info.appendChild(tb);
 var ks=T.kwic[i];
 info.appendChild(h("div",ks.length?("In context ("+ks.length+" articles, one line each; at most "+M.kwic_lines+"):"):"No line to show for this term.","src"));
 var box=h("div");box.id="kwic";
 ks.forEach(function(li){
  var l=D.lines[li],d=l[0],p=h("p",null,"line");
  p.appendChild(document.createTextNode("\u2026"+l[1]+" "));p.appendChild(h("b",l[2]));p.appendChild(document.createTextNode(" "+l[3]+"\u2026"));
  var s=h("div",null,"src"),bits=[D.docs.doc_id[d],D.docs.group[d]];
  if(D.docs.outlet[d]&&D.docs.outlet[d]!==D.docs.group[d])bits.push(D.docs.outlet[d]);
  if(D.docs.date[d])bits.push(D.docs.date[d]);
  s.appendChild(document.createTextNode(bits.join(" \u00b7 ")+" "));
  var ti=D.docs.title[d]||"",u=D.docs.url[d]||"";
  if(u&&/^https?:[/][/]/i.test(u)){var a=h("a",ti||u);a.setAttribute("href",u);a.setAttribute("target","_blank");a.setAttribute("rel","noopener noreferrer");s.appendChild(a);}
  else if(ti)s.appendChild(document.createTextNode(ti));
  p.appendChild(s);box.appendChild(p);});
 info.appendChild(box);}
function link(i,parent){var a=h("a",T.term[i]);a.addEventListener("click",function(){select(i);});parent.appendChild(a);parent.appendChild(document.createTextNode(" "));}
(function(){var idx=[];for(var i=0;i<N;i++)idx.push(i);
 idx.sort(function(a,b){return T.z[b]-T.z[a];});
 var lt=document.getElementById("listT"),lr=document.getElementById("listR");
 lt.appendChild(h("h3","Most distinctive of "+M.target));lr.appendChild(h("h3","Most distinctive of "+M.reference));
 idx.slice(0,30).filter(function(i){return T.z[i]>0;}).forEach(function(i){link(i,lt);});
 idx.slice(-30).reverse().filter(function(i){return T.z[i]<0;}).forEach(function(i){link(i,lr);});})();
var search=document.getElementById("search"),hits=document.getElementById("hits");
search.addEventListener("input",function(){
 var q=search.value.trim().toLowerCase().replace(/ +/g,"_");hits.innerHTML="";
 if(!q){matches=null;drawSel();return;}
 matches=[];for(var i=0;i<N;i++)if(T.term[i].indexOf(q)>=0)matches.push(i);
 matches.sort(function(a,b){var pa=T.term[a].indexOf(q)===0?0:1,pb=T.term[b].indexOf(q)===0?0:1;return pa-pb||Math.abs(T.z[b])-Math.abs(T.z[a]);});
 hits.appendChild(document.createTextNode(matches.length?matches.length+" shown term(s): ":"No shown term contains \u201c"+search.value+"\u201d."));
 matches.slice(0,20).forEach(function(i){link(i,hits);});drawSel();});
search.addEventListener("keydown",function(e){if(e.key==="Enter"&&matches&&matches.length)select(matches[0]);});
document.getElementById("scale").addEventListener("click",function(){useRank=!useRank;
 this.textContent=useRank?"Axes: frequency (log)":"Axes: percentile rank";drawAxes();place();});
drawAxes();place();
if(!N){var msg=el("text",{x:(L+W-R)/2,y:(TOP+H-B)/2,"text-anchor":"middle","font-size":15,fill:"#444"},svg);
 msg.textContent=M.empty||"No term to show.";}
// "#term=..." in the address opens that term (links from a report or a table)
var want=decodeURIComponent((location.hash.match(/term=([^&]*)/)||[])[1]||"");
if(want){var j=T.term.indexOf(want);if(j>=0)select(j);}
})();
</script>
</body></html>
"""
