"""Projection logic: which read-model rows an integration event changes. No I/O here."""
