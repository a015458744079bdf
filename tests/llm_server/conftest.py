"""A real llama.cpp server for the whole test session (started once: loading the model takes seconds).

Without llama-cpp-python or the model these tests skip, naming the install step; under CI
(where scripts/test installs both) that is a failure instead, so a broken install cannot pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.llm_server.server import missing, running_server


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    why = missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    log = tmp_path_factory.mktemp("llm_server") / "server.log"
    with running_server(log) as base_url:
        yield base_url
