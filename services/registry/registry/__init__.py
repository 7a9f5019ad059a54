"""Registry service: where the social work stations are and what they are."""
