"""What the first screen says: what to type, who answers (a model, or the offline planner), where commands go,
and what works without a model or a cluster. Plain text, no UI: the transcript shows it."""

from __future__ import annotations

from aiops_chat.safe_text import visible
from aiops_chat.tui.session_api import StatusLike

INTRO = ('Type a question or a request and press Enter, e.g. "why is web not ready?" or "scale web to 2 '
         'replicas". Each command shows as a card: reads run, writes wait for your approval.')
KEYS = "f1 help · f2 health panel · f4 copy answer · ctrl+o command output · ctrl+c cancel/copy · ctrl+q quit"
OFFLINE = ("OFFLINE MODE: no language model is configured or reachable, so {via} answers. It understands common "
           "requests (get, describe, logs, events, top, scale, restart, rollback, image update, helm list/status, "
           '"what is broken") and shows the exact commands. For free-form questions set [llm] in the config '
           "or OPENAI_API_KEY.")


def welcome_text(status: StatusLike | None, problem: str | None) -> str:
    """``status`` is None while the session starts (``problem`` None) or when it failed (``problem`` says why)."""
    lines = [INTRO]
    if problem is not None:
        lines.append(f"The session could not start ({problem}). Fix it and restart; `aiops doctor` checks the "
                     "setup, `aiops config check` the configuration.")
    elif status is None:
        lines.append("Starting: reading the kubeconfig and connecting the model…")
    else:
        if status.model is None:
            via = "kubectl-ai, then the built-in planner," if status.mode == "kubectl-ai" else "the built-in planner"
            lines.append(OFFLINE.format(via=via))
            model = "Model: none (offline)."
        else:
            model = f"Model: {status.model} (first contacted when you send)."
        tier = str(getattr(status.tier, "value", status.tier))
        lines.append(f"{model} Cluster: context {status.context or '(kubeconfig default)'}, namespace "
                     f"{status.namespace}, tier {tier} (first contacted by a command or f2). Without a cluster, "
                     "/help, /export and the demo health panel (`aiops chat --demo`, f2) still work.")
    lines.append(KEYS)
    # The context, namespace and model names come from the kubeconfig and the config: shown, never obeyed.
    return visible("\n".join(lines))
