"""Kafka consumers: what this service learns from other services' events."""
