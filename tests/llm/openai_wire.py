"""Moved to tests/support/openai_wire.py; re-exported for branches written against the old path."""

from tests.support.openai_wire import *  # noqa: F403
from tests.support.openai_wire import HTTPX2Mocker  # noqa: F401  (the class respx registers by import)
