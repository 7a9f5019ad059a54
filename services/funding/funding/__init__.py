"""Funding service: sources, contracts, filing and disbursements (issue 6). Not built yet: only its layers are laid out."""
