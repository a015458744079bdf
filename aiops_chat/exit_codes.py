"""The exit codes every `aiops` command uses, so a script can tell "it failed" from "you asked wrong" from
"the policy said no". Documented in the README; `tests/` holds each command to them."""

from __future__ import annotations

OK = 0
FAILURE = 1  # the command ran and something did not work: a finding over --fail-on, a command failed, no answer
USAGE = 2  # the command line or the configuration is wrong; nothing ran
DENIED = 3  # the policy refused, or a person declined: nothing was changed
INTERRUPTED = 130  # ctrl+c, as shells report SIGINT


def for_error(exc: BaseException) -> int:
    """The exit code for an error that ended a command: who is at fault decides it (see aiops_chat.errors)."""
    from aiops_chat.errors import ConfigError, PolicyError, SnapshotError, UsageError

    if isinstance(exc, (UsageError, ConfigError, SnapshotError)):
        return USAGE  # what the user gave (command line, config file, snapshot file) is wrong; nothing ran
    if isinstance(exc, PolicyError):
        return DENIED
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    return FAILURE  # the cluster, the model, the audit log or a tool did not work
