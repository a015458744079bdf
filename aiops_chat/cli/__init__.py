"""Command-line front end: thin handlers over the core."""
