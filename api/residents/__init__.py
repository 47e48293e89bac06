"""Residents' reports: the public page's endpoints, tickets, ratings and call-backs (issue 13)."""
