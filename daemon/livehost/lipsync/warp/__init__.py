"""The warp engine: one portrait animated by precomputed displacement fields."""
