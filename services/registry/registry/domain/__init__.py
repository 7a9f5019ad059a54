"""The registry's domain model; imports nothing from infrastructure."""
