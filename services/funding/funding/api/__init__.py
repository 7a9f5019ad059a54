"""HTTP entry point."""
