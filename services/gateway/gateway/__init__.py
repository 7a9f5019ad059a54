"""Gateway: routes administrators' requests to the services (auth, scoping and console: issue 8)."""
