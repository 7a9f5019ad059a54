"""The registry's use cases: commands in, aggregates saved."""
