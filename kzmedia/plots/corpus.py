"""Plots for the corpus stage."""

__all__: list[str] = []
