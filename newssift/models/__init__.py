"""The shared encoder, its heads, training, and the small trained artefacts."""
