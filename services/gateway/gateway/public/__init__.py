"""Pages anyone may open without signing in: the township's complaint page (public/complaints.py)."""

from gateway.public.complaints import install_public_pages

__all__ = ["install_public_pages"]
