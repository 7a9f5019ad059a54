"""Edges: integration events, translation, clients."""
