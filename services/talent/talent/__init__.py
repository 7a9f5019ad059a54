"""Talent service: social workers, certification, training, volunteers and incubated organisations (issue 4). Not built yet: only its layers are laid out."""
