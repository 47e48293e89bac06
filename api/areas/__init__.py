"""Areas: communities, cells, buildings and their leaders, and the cell index."""
