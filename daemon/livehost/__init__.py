"""livehost: an AI livestream host for a shop, running on an edge box."""

__version__ = "0.1.0"
