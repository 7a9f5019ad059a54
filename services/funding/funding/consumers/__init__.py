"""Kafka consumers of other services' events."""
