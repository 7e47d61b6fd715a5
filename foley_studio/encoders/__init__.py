"""Frame and text encoders that condition the generators (open_clip CLIP)."""
