"""What the eval harness itself does on the cluster: its own namespace, the scenario's set-up, the checks.

Everything runs through the executor's pipeline. Set-up writes (the namespace, `kubectl apply`, `helm upgrade
--install`) have the harness as the approver, so the policy judges them and the audit log shows them as
`eval:harness`. Deleting the namespace afterwards is something the policy denies to everyone (a namespace
delete is a mass delete): it is a fixed command of the harness's own (execution/local.py), only for a
namespace this run created (its label says so), audited like the rest. Polling reads for waits and checks
go through an executor without the audit log: a check that waits a minute would write a hundred entries.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from aiops_chat.errors import AiopsError
from aiops_chat.evaluation.scenario import (
    Apply,
    Check,
    CheckKind,
    HelmRelease,
    Step,
    Wait,
    lookup,
    same_value,
)
from aiops_chat.execution.executor import Executor
from aiops_chat.execution.local import eval_namespace_delete
from aiops_chat.execution.result import CommandResult
from aiops_chat.policy import Decision, Risk

HARNESS = "eval:harness"
RUN_LABEL = "aiops.dev/eval-run"
POLL_S = 1.0
MAX_READ_BYTES = 64 * 1024 * 1024


class SetupError(AiopsError):
    """A scenario could not be set up (the cluster refused an object, a wait never came true)."""

    title = "eval set-up"


class HarnessCluster:
    """The harness's own view of one scenario's namespace."""

    def __init__(self, executor: Executor, run_id: str, *, charts_dir: Path | None = None) -> None:
        self.executor = executor
        self.namespace = executor.target.namespace
        self.run_id = run_id
        self.charts_dir = charts_dir
        self.reader = Executor(executor.cfg, target=executor.target, audit=None, source=HARNESS)

    # -- the namespace ------------------------------------------------------------------------------------

    def create_namespace(self) -> None:
        self._write(["kubectl", "create", "namespace", self.namespace], "create the scenario's namespace")
        self._write(["kubectl", "label", "namespace", self.namespace, f"{RUN_LABEL}={self.run_id}"],
                    "label the scenario's namespace")

    def delete_namespace(self) -> str | None:
        """Delete the namespace if this run created it; why not, when it did not."""
        ns = self.read_json(["get", "namespace", self.namespace])
        if ns is None:
            return None  # never created, or already gone
        owner = (ns.get("metadata", {}).get("labels") or {}).get(RUN_LABEL)
        if owner != self.run_id:
            return (f"namespace {self.namespace} is not labelled {RUN_LABEL}={self.run_id}: not created by this run, "
                    "left alone")
        command = eval_namespace_delete(self.executor.cfg.kube.kubectl, self.executor.target.context,
                                        self.namespace, self.run_id)
        result = self.executor.run(command, request="aiops eval: delete its own namespace")
        if not result.ok:
            return f"could not delete namespace {self.namespace}: {(result.error or result.stderr).strip()}"
        return None

    # -- set-up -------------------------------------------------------------------------------------------

    def set_up(self, steps: Sequence[Step], wait_seconds: float) -> None:
        for step in steps:
            if isinstance(step, Apply):
                text = yaml.safe_dump_all(list(step.manifests), sort_keys=False)
                self._write(["kubectl", "apply", "-f", "-"], "apply the scenario's manifests", stdin=text)
            elif isinstance(step, HelmRelease):
                self._helm(step)
            elif isinstance(step, Wait):
                failed = self.wait_for(step.checks, wait_seconds)
                if failed:
                    raise SetupError(f"set-up did not settle within {wait_seconds:g}s: {failed}")

    def _helm(self, release: HelmRelease) -> None:
        if self.charts_dir is None or not (self.charts_dir / release.chart / "Chart.yaml").is_file():
            raise SetupError(f"chart {release.chart!r} not found under the charts directory "
                             f"({self.charts_dir or 'unset'}): run from the project directory or set "
                             "[workflow] charts_dir")
        sets = [f"--set={k}={v}" for k, v in sorted(release.values.items())]
        self._write(["helm", "upgrade", "--install", release.release, str(self.charts_dir / release.chart),
                     *sets, "--wait", "--timeout", "120s"], f"install {release.release}", timeout=180)

    def _write(self, argv: list[str], what: str, *, stdin: str | None = None, timeout: float | None = None
               ) -> CommandResult:
        verdict = self.executor.check(argv, stdin)
        if verdict.decision is Decision.DENY or verdict.risk is Risk.DESTRUCTIVE:
            # The harness approves its set-up itself; what the policy would make a person type a name for (or
            # refuse) is not set-up, whoever wrote the scenario file.
            raise SetupError(f"{what}: the policy judges it {verdict.risk.value} ({verdict.reason}); a scenario's "
                             "set-up may only make plain writes")
        if verdict.namespace not in (None, self.namespace):
            raise SetupError(f"{what}: it would act in namespace {verdict.namespace}, not the scenario's")
        result = self.executor.run(argv, request=f"aiops eval: {what}", approved_by=HARNESS, stdin=stdin,
                                   timeout=timeout)
        if not result.ok:
            why = result.error or (result.stderr or result.stdout).strip()[-500:]
            raise SetupError(f"{what} failed ({' '.join(argv[:4])}): {why}")
        return result

    # -- reads and checks ---------------------------------------------------------------------------------

    def read_json(self, args: list[str]) -> Any:
        """`kubectl get ... -o json`, decoded; None when the object does not exist."""
        result = self._read([*args, "-o", "json"])
        if not result.ok:
            if "NotFound" in result.stderr or "not found" in result.stderr:
                return None
            raise AiopsError(f"kubectl {' '.join(args)}: {(result.error or result.stderr).strip()[:300]}")
        return json.loads(result.stdout)

    def _read(self, args: list[str]) -> CommandResult:
        return self.reader.run(["kubectl", *args], request="aiops eval: check", reads_only=True,
                               max_output_bytes=MAX_READ_BYTES)

    def check(self, check: Check) -> tuple[bool, str]:
        """Whether a cluster check holds now, and what was seen when it does not."""
        if check.kind is CheckKind.POD_REASON:
            pods = self.read_json(["get", "pods", "-l", check.target]) or {}
            seen = sorted({r for p in pods.get("items", []) for r in pod_reasons(p)})
            return check.reason in seen, f"pods with {check.target} show {', '.join(seen) or 'nothing'}"
        kind, name = check.target.split("/", 1)
        if check.kind in (CheckKind.EXISTS, CheckKind.GONE):
            # Only the name: `-o json` (or a jsonpath) of a Secret is refused by the policy, and existence
            # needs no more.
            found = self._read(["get", kind, name, "--ignore-not-found", "-o", "name"])
            if not found.ok:
                raise AiopsError(f"kubectl get {kind} {name}: {(found.error or found.stderr).strip()[:300]}")
            exists = bool(found.stdout.strip())
            if check.kind is CheckKind.GONE:
                return not exists, "it still exists"
            return exists, f"{check.target} does not exist"
        obj = self.read_json(["get", kind, name])
        if obj is None:
            return False, f"{check.target} does not exist"
        if check.kind is CheckKind.FIELD:
            found = lookup(obj, check.path)
            if check.present is not None:
                return (found is not None) == check.present, f"{check.path} is {found!r}"
            return same_value(found, check.equals), f"{check.path} is {found!r}"
        if check.kind is CheckKind.READY:
            return is_ready(obj)
        if check.kind is CheckKind.ENDPOINTS:
            eps = self.read_json(["get", "endpoints", name]) or {}
            ready = sum(len(s.get("addresses") or []) for s in eps.get("subsets") or [])
            return ready > 0, f"service {name} has {ready} ready endpoints"
        raise AssertionError(check.kind)

    def wait_for(self, checks: Sequence[Check], seconds: float) -> str | None:
        """Poll until every check holds; the first failing one's description when time runs out."""
        deadline = time.monotonic() + seconds
        while True:
            failed = self.failing(checks)
            if failed is None or time.monotonic() >= deadline:
                return failed
            time.sleep(POLL_S)

    def failing(self, checks: Sequence[Check]) -> str | None:
        for c in checks:
            ok, seen = self.check(c)
            if not ok:
                return f"{c.describe()} ({seen})" if seen else c.describe()
        return None


def pod_reasons(pod: dict[str, Any]) -> list[str]:
    """Why a pod is not simply running: container waiting/terminated reasons, an unschedulable pod, a pod
    that runs but is not Ready ("NotReady")."""
    status = pod.get("status") or {}
    reasons = []
    for cs in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []):
        for state in (cs.get("state") or {}, cs.get("lastState") or {}):
            for detail in state.values():
                if isinstance(detail, dict) and detail.get("reason"):
                    reasons.append(detail["reason"])
    for cond in status.get("conditions") or []:
        if cond.get("status") == "False" and cond.get("reason"):
            reasons.append(cond["reason"])
        if cond.get("type") == "Ready" and cond.get("status") == "False" and status.get("phase") == "Running":
            reasons.append("NotReady")
    if status.get("phase"):
        reasons.append(status["phase"])
    return reasons


def is_ready(obj: dict[str, Any]) -> tuple[bool, str]:
    kind = obj.get("kind", "")
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if kind == "Pod":
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
        return ready, f"pod phase {status.get('phase')}, Ready={ready}"
    if kind in ("Deployment", "StatefulSet"):
        want = spec.get("replicas", 1)
        current = (obj.get("metadata") or {}).get("generation", 0) <= status.get("observedGeneration", 0)
        field = "availableReplicas" if kind == "Deployment" else "readyReplicas"
        have, updated = status.get(field, 0), status.get("updatedReplicas", 0)
        extra = status.get("replicas", 0)  # old pods still around mean the rollout has not finished
        ok = current and have == want and updated == want and extra == want
        return ok, f"{want} wanted, {updated} updated, {have} {field[:-8]}, {extra} in all"
    if kind == "DaemonSet":
        want = status.get("desiredNumberScheduled", 0)
        return want > 0 and status.get("numberReady", 0) == want, f"{status.get('numberReady', 0)}/{want} ready"
    raise AiopsError(f"a ready check is for a deployment, statefulset, daemonset or pod, not {kind}")
