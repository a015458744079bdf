"""Tools the model may call: typed functions in an explicit registry (registry.py), run by runner.py
through policy, the injection guard (guard.py), approval and the executor."""
