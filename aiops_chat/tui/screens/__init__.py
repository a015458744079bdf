"""Screens of the chat app: the main chat, the approval modal, the health panel, pickers."""
