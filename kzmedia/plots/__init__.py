"""Axes-level plots: f(tidy_df, *, ax=None, ...) -> Axes (or Figure for small multiples).

Every figure carries a title, axis labels and n per group; colours, labels, rounding and
how many groups a figure shows come from :mod:`kzmedia.plots.style`.
"""

from . import style  # noqa: F401

from .compare import *  # noqa: F401,F403
from .corpus import *  # noqa: F401,F403
from .dyads import *  # noqa: F401,F403
from .frames import *  # noqa: F401,F403
from .sentiment import *  # noqa: F401,F403
from .terms import *  # noqa: F401,F403
from .time import *  # noqa: F401,F403
