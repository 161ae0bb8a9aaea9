"""Plots for the sentiment stage."""

__all__: list[str] = []
