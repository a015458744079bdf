"""The kubectl-ai adapter: hand a read-only question to `kubectl-ai --quiet` when it is installed.

kubectl-ai brings its own model (configured for it, not for us) and its own permission checks, which stay
on: we never pass --skip-permissions, and we only hand it questions our planner reads as read-only.
The policy cannot judge it argument by argument, so it runs as a fixed :class:`LocalCommand` through the
executor's pipeline (same spawn helper, timeout, redaction and audit as every command); what limits it is
its own confirmation prompt (with stdin closed, it cannot be answered) and the fact that it only ever sees
read-only questions.

kubectl-ai has no --context flag: it acts on the kubeconfig's current context, so it is used only when that
is the session's context. Questions about secrets, passwords, tokens, keys or certificates are never handed
to it: it reads with its own kubectl, outside our policy and redaction of what it fetches (`get secret -o
yaml` is refused by our policy, not by its), so only our planner and policy may answer them.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

from aiops_chat.execution.local import kubectl_ai_question
from aiops_chat.kubeconfig import kubeconfig_paths

if TYPE_CHECKING:
    from aiops_chat.config import Config
    from aiops_chat.execution.executor import Executor, Target
    from aiops_chat.execution.result import CommandResult

BINARY = "kubectl-ai"
MIN_TIMEOUT_S = 120.0  # it makes several model calls of its own
SECRET_QUESTION = ("the question is about secrets or credentials, which are not handed to kubectl-ai "
                   "(it reads outside aiops's policy)")
# Words for credential material, whole words in any case and number; "key" alone too ("the api key of x").
_SECRET_WORDS = re.compile(
    r"(?<![a-z0-9])(secrets?|passwords?|passwd|pass ?phrases?|pwd|tokens?|credentials?|creds?|keys?|api-?keys?|"
    r"private-?keys?|certificates?|certs?|tls|ssh|kubeconfigs?|bearer|auth|authentication|login)(?![a-z0-9])",
    re.IGNORECASE)


def mentions_secrets(question: str) -> bool:
    """Whether the question asks about credential material (then kubectl-ai is not asked, whatever it is)."""
    return _SECRET_WORDS.search(question.replace("_", " ")) is not None


def find_kubectl_ai(cfg: Config) -> str | None:
    return shutil.which(BINARY, path=cfg.runtime.path)


def usable_for(cfg: Config, target: Target) -> tuple[str | None, str]:
    """(path to kubectl-ai or None, why not)."""
    exe = find_kubectl_ai(cfg)
    if exe is None:
        return None, "kubectl-ai is not on PATH"
    from aiops_chat.kubeconfig import load_view

    current = load_view(cfg.kubeconfig, cfg.runtime.home).current
    if target.context and current and target.context != current:
        return None, (f"kubectl-ai would act on the kubeconfig's current context {current!r}, "
                      f"not this session's {target.context!r}")
    return exe, ""


def ask_kubectl_ai(executor: Executor, question: str) -> CommandResult:
    """The question through the executor; stdout is kubectl-ai's (redacted) answer."""
    cfg = executor.cfg
    # It takes one kubeconfig file; the first of a KUBECONFIG list holds the current context.
    paths = kubeconfig_paths(cfg.kubeconfig)
    return executor.run(kubectl_ai_question(question, paths[0] if paths else None), request=question,
                        timeout=max(cfg.executor.timeout, MIN_TIMEOUT_S))


def answer_of(result: CommandResult) -> str:
    return result.stdout.strip()


def failure_of(result: CommandResult) -> str | None:
    """Why kubectl-ai gave no usable answer, or None when it did."""
    if result.ok and answer_of(result):
        return None
    if result.error:
        return result.error
    if result.exit_code not in (0, None):
        last = (result.stderr.strip().splitlines() or [f"exit code {result.exit_code}"])[-1]
        return f"kubectl-ai failed: {last[:200]}"
    return "kubectl-ai gave no answer"
