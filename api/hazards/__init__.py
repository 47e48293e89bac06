"""Hazard rectification (整改 → 复查 → 销号) through the loop of grid.domain.rectification."""
