"""Training loops for every model, sharing one runtime (DDP, EMA, resume, progress)."""
