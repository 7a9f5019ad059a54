"""Talent service: social workers, certification, training, volunteers and incubated organisations (issue 4)."""
