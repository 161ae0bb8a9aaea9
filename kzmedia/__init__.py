"""kzmedia: comparative media analysis of how outlets portray a country's diplomacy.

Pipeline stages, one module each: corpus (load) -> clean (raw dumps) -> text (sentences,
tokens) -> terms / frames / actors / sentiment -> stats -> compare / trends -> plots / report.
Importing the package has no side effects; import the stage modules you need.
"""

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "corpus",
    "clean",
    "text",
    "terms",
    "frames",
    "coding",
    "actors",
    "sentiment",
    "stats",
    "compare",
    "trends",
    "plots",
    "report",
    "cli",
]
