"""Seeded generators of realistic sample inputs (``highrise``: dense high-rise districts), used by
the tests and the benchmarks to judge the partition on data like real Chinese city centres."""
