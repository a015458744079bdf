"""Widgets grouped by feature: chat (transcript, prompt, tool cards), status, health."""
