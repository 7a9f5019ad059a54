"""Mechanisms shared by every service. No service's domain model lives here."""
