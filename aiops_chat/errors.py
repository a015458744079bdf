"""The one exception tree of aiops-chat.

Every error a user can meet derives from :class:`AiopsError` and carries a short ``title`` that front ends
show as a heading. The docstring of each class says who is at fault, so a reader knows what to fix.
Failures of a tool the model called are *not* raised: they go back to the model as results.
"""

from __future__ import annotations


class AiopsError(Exception):
    """Root of every error aiops-chat raises on purpose."""

    title = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(AiopsError):
    """The user's configuration is wrong: the message names the file, the key and what was expected."""

    title = "bad configuration"


class PolicyError(AiopsError):
    """A command was refused by the policy; raised only where a caller insists on running it."""

    title = "refused by policy"


class AuditError(AiopsError):
    """The audit log cannot be written or does not verify. The file or its directory is at fault."""

    title = "audit log"


class ClusterError(AiopsError):
    """The Kubernetes API could not be reached or refused us. The cluster or kubeconfig is at fault."""

    title = "cluster unreachable"


class LLMError(AiopsError):
    """The language model endpoint failed after retries, or answered something unusable."""

    title = "language model"
    # True when retrying or falling back cannot help (a rejected key, an unknown model, a URL that is not the
    # API): the configuration must change. Set by aiops_chat.llm.failures; callers do not fall back then.
    permanent = False


class TemplateError(AiopsError):
    """A prompt template is missing or references a placeholder nobody supplied. A programming error."""

    title = "prompt template"


class SnapshotError(AiopsError):
    """A snapshot file given with --snapshot cannot be read or parsed. The file is at fault."""

    title = "bad snapshot"


class UsageError(AiopsError):
    """The command line is wrong in a way argparse cannot see."""

    title = "usage"
