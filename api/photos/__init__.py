"""Photos: uploads stored by SHA-256 before the record or place that links them."""
