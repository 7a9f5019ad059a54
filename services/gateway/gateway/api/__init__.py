"""The administrators' HTTP API."""
