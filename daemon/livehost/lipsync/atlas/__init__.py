"""The clip-atlas engine: a host from a video of a real person (see engine.py)."""
