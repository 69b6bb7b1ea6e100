"""The show: director, media clock, rendering and the output loop."""
