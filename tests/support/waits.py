"""Polling helper for tests against the control plane (controllers and the fake kubelet act
asynchronously; a test waits for the state it expects, then asserts on it)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(fetch: Callable[[], T], done: Callable[[T], bool], *, timeout: float = 30, what: str = "") -> T:
    """Call fetch() until done(value) holds; return that value, or fail with the last one seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or 'condition'}; last value: {value!r}"[:4000])
        time.sleep(0.2)
