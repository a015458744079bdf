"""`aiops deploy`: both TaskFlow charts with `helm upgrade --install --wait`, then the pods Ready
(plan 009, phase 3). The backend goes first: the frontend is configured to call it. On failure the
report carries a diagnosis instead of a bare exit code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiops_chat.errors import UsageError
from aiops_chat.execution import CommandResult, Executor
from aiops_chat.execution.approval import Approver
from aiops_chat.workflow.checklist import Check, Checklist, Status
from aiops_chat.workflow.commands import failure_text, refusal_check
from aiops_chat.workflow.diagnosis import Diagnosis, diagnose

REQUEST = "aiops deploy"
# helm and kubectl enforce the user's --timeout themselves; the executor's limit only catches a hang.
PROCESS_GRACE_S = 60.0
_DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

Progress = Callable[[str], None]


def parse_duration(text: str) -> float:
    """Seconds in a Go duration as helm and kubectl take it ("180s", "3m", "1h2m3s"); a bare number is seconds."""
    value = text.strip()
    if value.isdigit():
        return float(value)
    match = _DURATION_RE.match(value)
    if not value or match is None:
        raise UsageError(f"timeout {text!r}: expected a duration like 180s, 3m or 1m30s")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def go_duration(text: str) -> str:
    """The same duration in the form both helm and kubectl accept (they reject a bare number)."""
    value = text.strip()
    return f"{value}s" if value.isdigit() else value


@dataclass(frozen=True)
class DeploySettings:
    charts_dir: Path
    releases: tuple[str, ...]  # deployed in this order; chart directory = release name
    timeout: str = "180s"
    set_values: tuple[str, ...] = ()  # helm --set KEY=VALUE, given to every chart


@dataclass
class DeployReport:
    steps: Checklist
    diagnosis: Diagnosis | None = None

    @property
    def ok(self) -> bool:
        return self.steps.ok

    @property
    def exit_code(self) -> int:
        return self.steps.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {**self.steps.to_dict(), "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None}

    def render_text(self) -> str:
        return self.steps.render_table() + (self.diagnosis.render_text() if self.diagnosis else "")


def deploy(executor: Executor, settings: DeploySettings, *, approver: Approver,
           progress: Progress = lambda _line: None) -> DeployReport:
    steps = Checklist("deploy")
    namespace = executor.target.namespace
    seconds = parse_duration(settings.timeout)
    timeout = go_duration(settings.timeout)
    for release in settings.releases:
        chart = settings.charts_dir / release
        if not (chart / "Chart.yaml").is_file():
            steps.add(Check(f"helm {release}", Status.FAIL, f"no chart at {chart}",
                            "run from the project directory or set [workflow] charts_dir"))
            return DeployReport(steps)
    for release in settings.releases:
        argv = ["helm", "upgrade", "--install", release, str(settings.charts_dir / release),
                "--wait", "--timeout", timeout]
        for value in settings.set_values:
            argv += ["--set", value]
        progress(f"helm upgrade --install {release} into {namespace} (waits up to {timeout})")
        result = executor.run(argv, request=REQUEST, approver=approver, timeout=seconds + PROCESS_GRACE_S)
        if steps.add(_helm_step(release, result, timeout)).status is not Status.OK:
            # Refused or not approved: nothing reached the cluster, so there is nothing to diagnose.
            return _failed(executor, settings, steps, progress) if result.executed else DeployReport(steps)
    for release in settings.releases:
        progress(f"waiting for pods app={release} to be Ready")
        argv = ["kubectl", "wait", "--for=condition=ready", "pod", "-l", f"app={release}", f"--timeout={timeout}"]
        result = executor.run(argv, request=REQUEST, approver=approver, timeout=seconds + PROCESS_GRACE_S)
        if result.ok:
            steps.add(Check(f"ready {release}", Status.OK, f"pods app={release} Ready in {namespace}"))
        else:
            steps.add(Check(f"ready {release}", Status.FAIL, failure_text(result),
                            f"see the diagnosis below; `aiops -n {namespace} analyze` for more"))
    if not steps.ok:
        return _failed(executor, settings, steps, progress)
    progress("deploy: done")
    return DeployReport(steps)


def _helm_step(release: str, result: CommandResult, timeout: str) -> Check:
    name = f"helm {release}"
    if result.ok:
        revision = re.search(r"(?m)^REVISION:\s*(\d+)", result.stdout)
        return Check(name, Status.OK, f"deployed (revision {revision.group(1)})" if revision else "deployed")
    refused = refusal_check(name, result)
    if refused is not None:
        return refused
    text = failure_text(result)
    if "context deadline exceeded" in text or "timed out waiting for the condition" in text:
        # helm's words for "--wait gave up"; what the user needs to know is that the pods never got Ready.
        text = f"not Ready within {timeout} (helm: {text.removeprefix('Error: ')})"
    return Check(name, Status.FAIL, text, "see the diagnosis below; a longer --timeout helps only if pods are slow")


def _failed(executor: Executor, settings: DeploySettings, steps: Checklist, progress: Progress) -> DeployReport:
    progress("deploy failed: collecting pod states and events")
    return DeployReport(steps, diagnose(executor, settings.releases, request=REQUEST))
