"""Plots for the terms stage."""

__all__: list[str] = []
