"""The agent: the chat session (session.py), its tool-calling loop (loop.py), the events it posts
(events.py) and the fallback chain without a model (fallback.py: kubectl_ai.py, then offline.py)."""
