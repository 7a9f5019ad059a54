"""The web console: server-rendered pages in Simplified Chinese under /console (see routes.py)."""

from gateway.console.routes import install_console

__all__ = ["install_console"]
