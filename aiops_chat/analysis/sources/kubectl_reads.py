"""Objects from the live cluster, read with `kubectl get -o json` through the executor (the agent's path).

`aiops analyze` reads through the API directly (sources/live.py: parallel raw LISTs, faster); the agent's
`analyze_cluster` tool and `aiops deploy`'s failure diagnosis read here instead, because what a model
asks for must be policy-checked, pinned to the session's context and audited like any other command.
One command lists all namespaced kinds; if the server refuses it as a whole (an unknown kind on an old
server, RBAC), each kind is tried alone so one refusal costs one kind.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiops_chat import kinds
from aiops_chat.analysis.inventory import Inventory, Obj
from aiops_chat.analysis.sources.snapshot import flatten
from aiops_chat.execution.result import CommandResult

if TYPE_CHECKING:
    from aiops_chat.execution.executor import Executor

ReadFn = Callable[[Sequence[str]], CommandResult]

# kubectl resource name -> Kind, for what the analyzers read.
NAMESPACED: dict[str, str] = {p: kinds.by_plural(p).kind for p in (
    "pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs", "services", "endpoints",
    "persistentvolumeclaims", "ingresses", "horizontalpodautoscalers", "poddisruptionbudgets", "networkpolicies",
    "resourcequotas", "events")}
CLUSTER: dict[str, str] = {"nodes": kinds.by_plural("nodes").kind}
# JSON of a few thousand objects is large; the executor's usual cap (sized for a model) would cut it.
LIVE_MAX_BYTES = 256 * 1024 * 1024


@dataclass
class LiveSnapshot:
    inventory: Inventory
    commands: list[CommandResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def collect(read: ReadFn, *, namespace: str | None, all_namespaces: bool = False,
            include_nodes: bool = True) -> LiveSnapshot:
    """List the kinds the analyzers need. `namespace` None with all_namespaces False: the pinned one."""
    scope = ["-A"] if all_namespaces else (["-n", namespace] if namespace else [])
    objects: list[Obj] = []
    listed: set[str] = set()
    commands: list[CommandResult] = []
    notes: list[str] = []

    def fetch(resources: Sequence[str], extra: Sequence[str]) -> bool:
        result = read(["kubectl", "get", ",".join(resources), "-o", "json", *extra])
        commands.append(result)
        items = _parse(result)
        if items is None:
            return False
        objects.extend(items)
        listed.update(NAMESPACED.get(r) or CLUSTER[r] for r in resources)
        return True

    if not fetch(list(NAMESPACED), scope):
        _stop_if_cluster_unusable(commands[-1])
        for resource in NAMESPACED:
            if not fetch([resource], scope):
                notes.append(f"could not list {resource}: {_why(commands[-1])}")
    if include_nodes and not fetch(list(CLUSTER), []):
        notes.append(f"could not list nodes: {_why(commands[-1])}")
    scoped = None if all_namespaces else namespace
    inventory = Inventory(_by_kind(objects), listed=listed, namespace=scoped, notes=notes)
    return LiveSnapshot(inventory, commands, notes)


def collect_with_executor(executor: Executor, *, all_namespaces: bool = False, request: str = "analyze",
                          include_nodes: bool = True) -> LiveSnapshot:
    """`collect` through a copy of `executor` whose output cap fits whole JSON lists."""
    from aiops_chat.execution.executor import Executor

    cfg = executor.cfg.replace(executor=dataclasses.replace(executor.cfg.executor, max_output_bytes=LIVE_MAX_BYTES))
    reader = Executor(cfg, target=executor.target, audit=executor.audit, source=executor.source)

    def read(argv: Sequence[str]) -> CommandResult:
        return reader.run(argv, request=request)

    namespace = None if all_namespaces else executor.target.namespace
    return collect(read, namespace=namespace, all_namespaces=all_namespaces, include_nodes=include_nodes)


def _parse(result: CommandResult) -> list[Obj] | None:
    if not result.ok or result.truncated:
        return None
    try:
        data = json.loads(result.stdout or "{}")
    except ValueError:
        return None
    return [obj for obj in flatten([data]) if isinstance(obj, dict) and obj.get("kind")]


def _by_kind(objects: list[Obj]) -> dict[str, list[Obj]]:
    out: dict[str, list[Obj]] = {}
    for obj in objects:
        out.setdefault(str(obj["kind"]), []).append(obj)
    return out


def _stop_if_cluster_unusable(result: CommandResult) -> None:
    """A kubeconfig, credential or network problem fails every list the same way: say it once, by name
    (aiops_chat.cluster_problems), instead of trying each kind and reporting "could not list" sixteen times."""
    from aiops_chat.errors import ClusterError

    if result.diagnosis is not None and result.diagnosis.cluster_wide:
        raise result.diagnosis.error()
    if result.unreachable:
        raise ClusterError(result.unreachable)


def _why(result: CommandResult) -> str:
    text = result.error or (result.stderr.strip().splitlines() or [""])[-1] or f"exit code {result.exit_code}"
    return text[:200]
