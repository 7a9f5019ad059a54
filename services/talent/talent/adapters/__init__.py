"""Edges of the talent service: its published contract (integration events) and their translation,
and the volunteer CSV import format."""
