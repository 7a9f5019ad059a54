"""Casework service: clients, cases, projects, complaints and satisfaction,
with privacy by design (issue 5): identity sealed per client (crypto-shredding), audited case reads,
integration events without personal data."""
