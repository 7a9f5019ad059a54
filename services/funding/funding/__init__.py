"""Funding service: sources and budgets, purchase-of-service contracts, their filing (备案) and
spot-checks, disbursements, and the 3% rule on social assistance funds (issue 6)."""
