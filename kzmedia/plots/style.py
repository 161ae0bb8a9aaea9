"""One look for every page: a colour per partner vector, labels instead of ids, one rounding
rule, how cells resting on few observations are marked, and how many groups a figure shows.

Every plot in :mod:`kzmedia.plots` takes these from here, so a vector has the same colour and
the same name on every page and a value is printed the same way wherever it appears.
"""

from __future__ import annotations

import functools

import pandas as pd

__all__ = ["VECTOR_COLORS", "MIN_N", "TOP_GROUPS", "FIGURE_WIDTH", "vector_colors",
           "vector_labels", "vector_label", "tone_text", "share_text", "top_groups", "rest_label",
           "literal", "few_hatch"]

#: One colour per vector of the package gazetteer: partners that readers set against each
#: other (Russia / China / EU / US) get hues far apart; related ones (EU and the UK) stay
#: distinguishable by lightness.
VECTOR_COLORS = {
    "russia": "#d62728",          # red
    "china": "#f2c200",           # yellow
    "eu_europe": "#1f77b4",       # blue
    "uk": "#9ecae1",              # light blue
    "us": "#6a3d9a",              # purple
    "west": "#e377c2",            # pink
    "turkey": "#8c564b",          # brown
    "central_asia": "#2ca02c",    # green
    "south_caucasus": "#bcbd22",  # olive
    "middle_east": "#17becf",     # cyan
    "multilateral": "#7f7f7f",    # grey
    "kazakhstan": "#222222",      # near black (the focal country)
}
# for vectors of another gazetteer: distinct colours not used above, in a fixed order
_EXTRA = ["#ff7f0e", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#5254a3",
          "#b5cf6b", "#e7969c", "#de9ed6", "#6b6ecf", "#ad494a"]

#: Cells, points and bars resting on fewer than this many sentences or articles are marked.
MIN_N = 3
#: Default number of groups a figure shows; the others are pooled into one row or named.
TOP_GROUPS = 12
#: Width of a figure in inches at dpi 100: the report shows figures at about 1,000 px.
FIGURE_WIDTH = 10.0
#: The hatch drawn over cells resting on fewer than MIN_N observations.
few_hatch = "//"


def vector_colors(vectors) -> dict:
    """vector id -> colour: the fixed colour of a package vector, else the next unused colour
    of a fixed list, assigned in sorted order (the same set gets the same colours)."""
    out, extra = {}, iter(_EXTRA * 4)
    for v in sorted(set(vectors), key=str):
        out[v] = VECTOR_COLORS.get(v) or next(extra)
    return out


@functools.lru_cache(maxsize=8)
def _gazetteer_labels(gazetteer) -> tuple:
    from .. import actors

    g = actors.load_gazetteer(gazetteer)
    return tuple(map(tuple, g.vectors[["vector", "label"]].to_numpy()))


def vector_labels(gazetteer=None) -> dict:
    """vector id -> its label in the gazetteer (a loaded :class:`kzmedia.actors.Gazetteer`, a
    path, or None for the package's), e.g. ``"central_asia" -> "Central Asia & Afghanistan"``."""
    if hasattr(gazetteer, "vectors"):
        return dict(gazetteer.vectors[["vector", "label"]].to_numpy())
    return dict(_gazetteer_labels(None if gazetteer is None else str(gazetteer)))


def vector_label(vector, labels: dict | None = None) -> str:
    """The label of one vector: from `labels` (default: the package gazetteer's), else the id
    with underscores as spaces, capitalised."""
    labels = vector_labels() if labels is None else labels
    return literal(labels.get(vector) or str(vector).replace("_", " ").capitalize())


def tone_text(value) -> str:
    """The one rounding rule for tone (VADER compound) on every page: signed, two decimals, the
    binary value correctly rounded, as Python's format and the sentences of
    :mod:`kzmedia.compare` print it (0.765 -> "+0.77"; numpy's ``round``, which pandas'
    ``DataFrame.round`` uses, gives 0.76 for the same float). NaN -> "–"."""
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):+.2f}"


def share_text(value) -> str:
    """A share as a percentage, as the sentences of :mod:`kzmedia.compare` print it: whole
    percent, one decimal below 10% so small shares stay distinct. NaN -> "–"."""
    if value is None or pd.isna(value):
        return "–"
    value = float(value)
    return f"{value:.1%}" if abs(value) < 0.1 and value != 0 else f"{value:.0%}"


def top_groups(sizes, n: int | None = TOP_GROUPS) -> tuple[list, list]:
    """The `n` largest groups (by `sizes`: group -> articles; ties by name), in name order,
    and the others. ``n`` None or 0: all groups are shown."""
    sizes = pd.Series(sizes)
    order = sorted(sizes.index, key=lambda g: (-sizes[g], str(g)))
    if not n or len(order) <= n:
        return sorted(order, key=str), []
    return sorted(order[:n], key=str), order[n:]


def rest_label(rest, by: str, n_articles: int | None = None) -> str:
    """The label of the pooled row: "other 479 outlet values (n=20,311)"."""
    n = f" (n={n_articles:,})" if n_articles is not None else ""
    return f"other {len(rest):,} {literal(by)} values{n}"


def literal(text) -> str:
    """`text` for a matplotlib label, shown as written: "$" would start math text ("Money $5
    and $10" would lose its dollars and spaces)."""
    return str(text).replace("$", r"\$")
