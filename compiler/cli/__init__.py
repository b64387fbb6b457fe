"""The click command-line interface (the only place click is used)."""
