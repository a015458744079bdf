"""The built-in demo: a snapshot of a broken TaskFlow deployment shipped as package data."""

from __future__ import annotations

from importlib import resources

from aiops_chat.analysis.inventory import Inventory
from aiops_chat.analysis.sources.snapshot import inventory_from_text

DEMO_FILE = "demo-taskflow.yaml"


def demo_text() -> str:
    return resources.files("aiops_chat").joinpath("data", DEMO_FILE).read_text(encoding="utf-8")


def load_demo(*, namespace: str | None = None) -> Inventory:
    return inventory_from_text(demo_text(), source=f"<demo {DEMO_FILE}>", namespace=namespace)
