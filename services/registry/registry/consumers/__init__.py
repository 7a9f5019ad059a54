"""Kafka consumers feeding the registry with facts other services own."""
