"""Reporting service: tier-level read models (city, county, township, village) built from events."""
