"""Saved conversations (store.py) and keeping a long one within the model's context (fit.py)."""
