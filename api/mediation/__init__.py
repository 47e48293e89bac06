"""Dispute mediation (调解) and screening rounds (排查), from grid.domain.mediation."""
