"""Language of each article: py3langid (a maintained fork of langid.py, Lui & Baldwin 2012)
on the first characters of its text."""

from __future__ import annotations

import pandas as pd

__all__ = ["detect", "LANG_CHARS"]

#: Characters of each text that the language is detected from (the start of a news article
#: is body text; more characters cost time and rarely change the answer).
LANG_CHARS = 500


def detect(texts: pd.Series, chars: int = LANG_CHARS) -> pd.Series:
    """``py3langid.classify`` of the first `chars` characters of each text: its ISO 639-1
    code (e.g. "en"), or "" for an empty text. Returns a Series of strings with the index of
    `texts`."""
    import py3langid

    return pd.Series([py3langid.classify(t[:chars])[0] if t else "" for t in texts],
                     index=texts.index, dtype="str")
