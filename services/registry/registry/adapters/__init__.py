"""Edges of the registry: its published contract (integration events) and their translation."""
