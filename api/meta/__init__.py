"""The vocabulary: lookup tables seeded from grid's catalog, served at /meta."""
