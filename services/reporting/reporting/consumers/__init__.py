"""Faust workers that feed the read models from the services' topics."""
