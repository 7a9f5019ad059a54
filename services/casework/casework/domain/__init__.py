"""Domain model: aggregates and rules; imports nothing from infrastructure."""
