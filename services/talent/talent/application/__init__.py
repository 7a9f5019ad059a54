"""The talent service's use cases: commands in, aggregates saved."""
