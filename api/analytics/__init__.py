"""Analytics: heat (pre-aggregate and queries), hot spots, compare, table, coverage,
siting, stats, the printable report and notice board."""
