"""Where the read models live."""
