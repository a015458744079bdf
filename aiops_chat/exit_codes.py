"""The exit codes every `aiops` command uses, so a script can tell "it failed" from "you asked wrong" from
"the policy said no". Documented in the README; `tests/` holds each command to them."""

from __future__ import annotations

OK = 0
FAILURE = 1  # the command ran and something did not work: a finding over --fail-on, a command failed, no answer
USAGE = 2  # the command line or the configuration is wrong; nothing ran
DENIED = 3  # the policy refused, or a person declined: nothing was changed
INTERRUPTED = 130  # ctrl+c, as shells report SIGINT
