"""Read models folded from the funding service's own integration events."""
