"""Rendering the on-air picture: compositor, product panel, text."""
