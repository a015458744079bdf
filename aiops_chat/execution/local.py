"""Fixed commands of the local tools the policy does not govern: docker (the doctor's probes) and kubectl-ai
(the read-only fallback). They still go through the executor, so they start, time out and are audited
like every other command, but the policy cannot judge them argument by argument, so they are never built
from text: only the constructors here make a :class:`LocalCommand`, and ``aiops run`` or a model, which
hand over plain argv lists, can never produce one (the policy denies `docker` and `kubectl-ai` outright).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiops_chat.policy import Decision, Risk, Verdict

_IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$")
EVAL_NAMESPACE_RE = re.compile(r"^eval-[a-z0-9-]{1,58}$")


@dataclass(frozen=True)
class LocalCommand:
    argv: tuple[str, ...]  # as shown and audited, binary first
    reason: str  # why it may run: the audit log's reason
    hidden: tuple[str, ...] = ()  # arguments passed but not shown (kubectl-ai's --kubeconfig), before the last word
    inherit_env: bool = False  # kubectl-ai reads its own model's key from our environment
    risk: Risk = Risk.READ
    namespace: str | None = None

    @property
    def verdict(self) -> Verdict:
        return Verdict(Decision.ALLOW, self.risk, self.reason, self.argv[0], self.argv[1] if len(self.argv) > 1
                       else "", self.namespace)

    def spawned_args(self) -> list[str]:
        """Everything after the binary, hidden arguments included."""
        if not self.hidden:
            return list(self.argv[1:])
        return [*self.argv[1:-1], *self.hidden, self.argv[-1]]


def docker_version() -> LocalCommand:
    return LocalCommand(("docker", "version", "--format", "{{json .}}"), "local probe: docker client and engine")


def docker_image_inspect(image: str) -> LocalCommand | None:
    """None for a name that is not plainly an image reference (it is passed as one argument either way)."""
    if not _IMAGE_RE.match(image):
        return None
    return LocalCommand(("docker", "image", "inspect", "--format", "{{.Id}}", image), "local probe: is the image built")


def kubectl_ai_version() -> LocalCommand:
    return LocalCommand(("kubectl-ai", "version"), "local probe: kubectl-ai installed")


def kubectl_ai_question(question: str, kubeconfig: str | None) -> LocalCommand:
    """`kubectl-ai --quiet QUESTION`; it has no --context flag, so the caller checks that the kubeconfig's
    current context is the session's before handing it a question."""
    hidden = ("--kubeconfig", kubeconfig) if kubeconfig else ()
    return LocalCommand(("kubectl-ai", "--quiet", question),
                        "read-only question handed to kubectl-ai (its own permission checks on)",
                        hidden=hidden, inherit_env=True)


def eval_namespace_delete(kubectl: str, context: str | None, namespace: str, run_id: str) -> LocalCommand:
    """`aiops eval` deleting the throwaway namespace it created (the policy denies namespace deletes to
    everyone else). The caller has checked the namespace carries this run's label; the name must be an
    eval namespace too, so no other use of this constructor can reach a real one."""
    if not EVAL_NAMESPACE_RE.match(namespace):
        raise ValueError(f"not an eval namespace: {namespace!r}")
    hidden = ("--context", context) if context else ()
    return LocalCommand((kubectl, "delete", "namespace", "--wait=false", namespace),
                        f"aiops eval: clean-up of its own namespace (labelled aiops.dev/eval-run={run_id})",
                        hidden=hidden, risk=Risk.DESTRUCTIVE, namespace=namespace)
