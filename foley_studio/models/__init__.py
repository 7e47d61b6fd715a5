"""The generators' neural networks (IM2WAV, Visual Echoes) and the weight-bundle format."""
