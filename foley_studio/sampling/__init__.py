"""Token samplers shared by the generators (iterative unmasking, autoregressive decoding)."""
