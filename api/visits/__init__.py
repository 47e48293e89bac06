"""Visits (走访), key-group tags, due visits and visit statistics (issue 12)."""
