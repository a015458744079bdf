"""Where cluster objects come from: a snapshot file, the built-in demo, or the live API."""
