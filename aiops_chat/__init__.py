"""aiops-chat: a conversational AIOps assistant for Kubernetes."""

__version__ = "0.1.0"
