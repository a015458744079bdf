"""Moved to tests/support/fake_kubectl.py; re-exported for branches written against the old path."""

from tests.support.fake_kubectl import *  # noqa: F403
