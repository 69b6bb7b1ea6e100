"""`livehost preview`: a product's pitch rendered to an MP4 file, for staff to watch."""
