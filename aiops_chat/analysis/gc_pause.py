"""Pause the cyclic garbage collector while building large acyclic structures.

Parsing a 30 MB snapshot allocates millions of dicts and lists; each allocation burst triggers collections
that walk everything allocated so far, though JSON cannot contain a cycle. Pausing the collector halves
the parse time. Reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
