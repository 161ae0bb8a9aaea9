"""Plots for the frames stage."""

__all__: list[str] = []
