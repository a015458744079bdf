"""How a rule says no: raise :class:`Refusal`, which ``evaluate`` turns into a DENY verdict.

It never leaves the policy package: ``evaluate`` catches it (and anything else) and fails closed.
"""

from __future__ import annotations

from aiops_chat.errors import PolicyError
from aiops_chat.policy.types import Risk


class Refusal(PolicyError):
    def __init__(self, reason: str, *, risk: Risk = Risk.FORBIDDEN, verb: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.risk = risk
        self.verb = verb
