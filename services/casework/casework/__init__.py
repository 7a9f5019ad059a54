"""Casework service: cases, projects, complaints and satisfaction, privacy by design (issue 5). Not built yet: only its layers are laid out."""
