"""HTTP entry point: thin routers, request -> command -> application."""
