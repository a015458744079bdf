"""Kubernetes resource quantities: CPU in millicores, memory in bytes, and back to tidy strings."""

from __future__ import annotations

import math
import re

_SUFFIX = {
    "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40, "Pi": 2.0**50, "Ei": 2.0**60,
}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


def parse_quantity(text: str | int | float) -> float | None:
    """A quantity in base units (cores, bytes), or None if it is not a quantity."""
    if isinstance(text, int | float):
        return float(text)
    m = _QUANTITY.match(str(text).strip())
    if not m:
        return None
    return float(m.group(1)) * _SUFFIX[m.group(2) or ""]


def cpu_millis(text: str | int | float | None) -> float | None:
    value = parse_quantity(text) if text is not None else None
    return None if value is None else value * 1000.0


def memory_bytes(text: str | int | float | None) -> float | None:
    return parse_quantity(text) if text is not None else None


def format_cpu(millis: float) -> str:
    """Whole cores when round, else millicores rounded up to a multiple of 5m (at least 5m)."""
    m = max(5, math.ceil(millis / 5.0) * 5)
    return f"{m // 1000}" if m % 1000 == 0 else f"{m}m"


def format_memory(size: float) -> str:
    """Mebibytes rounded up to a multiple of 8Mi (at least 8Mi); whole Gi when round."""
    mib = max(8, math.ceil(size / 2**20 / 8.0) * 8)
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"
