"""Use cases: commands in, aggregates saved."""
