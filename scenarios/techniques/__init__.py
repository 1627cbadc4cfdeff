"""Attack techniques: one module per technique family, registered by entry point."""
