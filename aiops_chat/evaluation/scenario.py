"""Eval scenarios: the YAML files of `aiops eval`, parsed strictly into typed objects.

A scenario file says what to set up in a throwaway namespace, what the user asks, which writes the harness
approves (everything else it declines and counts), which commands must never be attempted, and what must be
true afterwards of the cluster and of the answer. The format is in docs/eval.md; the shipped scenarios are in
aiops_chat/evals/. A file from elsewhere (`--scenarios DIR`) is the user's, but a copied one is still read as
hostile: unknown keys, wrong types and objects outside the scenario's namespace are refused, naming the file
and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from aiops_chat.errors import ConfigError

CATEGORIES = ("diagnose", "fix", "operate", "refuse")
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")  # short enough to fit a namespace name with a run id
OBJECT = re.compile(r"^[a-z]+/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
MAX_FILE_BYTES = 256 * 1024

# What setup manifests may create: namespaced objects of a workload's own. Cluster-scoped kinds and RBAC
# would reach beyond the throwaway namespace (a RoleBinding to cluster-admin, a ClusterRole).
SETUP_KINDS = frozenset({
    "ConfigMap", "Secret", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob",
    "Service", "Ingress", "NetworkPolicy", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ResourceQuota",
    "LimitRange", "ServiceAccount", "PersistentVolumeClaim",
})


class CheckKind(StrEnum):
    ANSWER_CONTAINS = "answer_contains"  # any of the strings, case-insensitive
    ANSWER_NOT_CONTAINS = "answer_not_contains"  # none of them
    FIELD = "field"  # an object's field (path) equals a value, or is present/absent
    READY = "ready"  # a Deployment/StatefulSet/DaemonSet rolled out and available, a Pod Ready
    EXISTS = "exists"
    GONE = "gone"
    ENDPOINTS = "endpoints"  # a Service has at least one ready address
    POD_REASON = "pod_reason"  # a pod matching a selector shows this reason (waiting, terminated, unschedulable)


ANSWER_CHECKS = (CheckKind.ANSWER_CONTAINS, CheckKind.ANSWER_NOT_CONTAINS)


@dataclass(frozen=True)
class Check:
    kind: CheckKind
    target: str = ""  # "deployment/web" for object checks, a label selector for pod_reason
    texts: tuple[str, ...] = ()  # answer checks
    path: str = ""  # field checks
    equals: Any = None
    present: bool | None = None
    reason: str = ""  # pod_reason

    @property
    def on_answer(self) -> bool:
        return self.kind in ANSWER_CHECKS

    def describe(self) -> str:
        if self.kind is CheckKind.ANSWER_CONTAINS:
            return "answer mentions " + " or ".join(repr(t) for t in self.texts)
        if self.kind is CheckKind.ANSWER_NOT_CONTAINS:
            return "answer does not mention " + " nor ".join(repr(t) for t in self.texts)
        if self.kind is CheckKind.FIELD:
            if self.present is not None:
                return f"{self.target} {self.path} {'is set' if self.present else 'is not set'}"
            return f"{self.target} {self.path} == {self.equals!r}"
        if self.kind is CheckKind.POD_REASON:
            return f"a pod with {self.target} shows {self.reason}"
        return f"{self.target} {self.kind.value}"


@dataclass(frozen=True)
class HelmRelease:
    release: str
    chart: str  # a directory under [workflow] charts_dir
    values: Mapping[str, str] = field(default_factory=dict)  # --set key=value


@dataclass(frozen=True)
class Apply:
    manifests: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Wait:
    checks: tuple[Check, ...]  # cluster checks, true before the next step (or the request): the fault is visible


Step = Apply | HelmRelease | Wait


@dataclass(frozen=True)
class Scenario:
    name: str
    category: str
    description: str
    request: str
    setup: tuple[Step, ...]
    checks: tuple[Check, ...]
    approve: tuple[str, ...] = ()  # argv globs the harness says yes to
    never: tuple[str, ...] = ()  # argv globs that are a violation when attempted at all
    wait_seconds: float = 90.0  # for the setup's wait conditions
    check_seconds: float = 60.0  # for cluster checks to come true after the answer
    source: str = ""  # the file it came from

    @property
    def needs_charts(self) -> bool:
        return any(isinstance(step, HelmRelease) for step in self.setup)


# -- loading -------------------------------------------------------------------------------------------


def builtin_dir() -> Path:
    return Path(str(resources.files("aiops_chat") / "evals"))


def load_dir(directory: Path) -> list[Scenario]:
    """Every *.yaml in the directory, sorted by name; names must be unique."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory of eval scenarios")
    scenarios = [load_file(p) for p in sorted(directory.glob("*.yaml"))]
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.name in seen:
            raise ConfigError(f"{s.source}: name {s.name!r} is also the name of {seen[s.name]}")
        seen[s.name] = s.source
    if not scenarios:
        raise ConfigError(f"{directory}: no *.yaml scenario files in it")
    return sorted(scenarios, key=lambda s: s.name)


def load_file(path: Path) -> Scenario:
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{where}: {len(raw):,} bytes; a scenario file may have at most {MAX_FILE_BYTES:,}")
    try:
        doc = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    return parse(doc, where)


def parse(doc: Any, where: str) -> Scenario:
    m = _Map(doc, where)
    name = m.text("name")
    if not NAME.match(name):
        raise ConfigError(f"{where}: name {name!r} must be lowercase letters, digits and '-' (at most 40)")
    category = m.text("category")
    if category not in CATEGORIES:
        raise ConfigError(f"{where}: category {category!r}; expected one of {', '.join(CATEGORIES)}")
    setup = tuple(_step(s, f"{where}: setup[{i}]") for i, s in enumerate(m.seq("setup")))
    checks = tuple(_check(c, f"{where}: checks[{i}]") for i, c in enumerate(m.seq("checks")))
    if not checks:
        raise ConfigError(f"{where}: checks: a scenario needs at least one check")
    scenario = Scenario(
        name=name, category=category, description=m.text("description", ""), request=m.text("request"),
        setup=setup, checks=checks, approve=m.texts("approve"), never=m.texts("never"),
        wait_seconds=m.number("wait_seconds", 90.0), check_seconds=m.number("check_seconds", 60.0), source=where)
    m.done()
    return scenario


def _step(doc: Any, where: str) -> Step:
    m = _Map(doc, where)
    keys = [k for k in ("apply", "helm", "wait") if k in m.doc]
    if len(keys) != 1:
        raise ConfigError(f"{where}: expected exactly one of apply, helm, wait")
    step: Step
    if keys[0] == "apply":
        step = Apply(_manifests(m.get("apply"), f"{where}.apply"))
    elif keys[0] == "helm":
        step = _release(m.get("helm"), f"{where}.helm")
    else:
        checks = tuple(_check(c, f"{where}.wait[{i}]") for i, c in enumerate(m.seq("wait")))
        if not checks or any(c.on_answer for c in checks):
            raise ConfigError(f"{where}.wait: expected a list of cluster checks (answer checks cannot be waited for)")
        step = Wait(checks)
    m.done()
    return step


def _manifests(text: Any, where: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(text, str):
        raise ConfigError(f"{where}: expected the manifests as one YAML text (a `|` block)")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    out = []
    for i, d in enumerate(docs):
        if not isinstance(d, dict) or not isinstance(d.get("metadata"), dict):
            raise ConfigError(f"{where}[{i}]: expected a Kubernetes object with metadata")
        kind = d.get("kind")
        if kind not in SETUP_KINDS:
            raise ConfigError(f"{where}[{i}]: kind {kind!r} may not be set up by a scenario (allowed: "
                              f"{', '.join(sorted(SETUP_KINDS))}): it would reach beyond the scenario's namespace")
        if "namespace" in d["metadata"]:
            raise ConfigError(f"{where}[{i}]: metadata.namespace is not allowed; every object goes into the "
                              "scenario's own namespace")
        out.append(d)
    return tuple(out)


def _release(doc: Any, where: str) -> HelmRelease:
    m = _Map(doc, where)
    release = m.text("release")
    chart = m.text("chart")
    if not NAME.match(release) or not NAME.match(chart):
        raise ConfigError(f"{where}: release and chart must be plain names (a chart directory under "
                          "[workflow] charts_dir), got {release!r} and {chart!r}")
    values = m.get("set", {})
    if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
        raise ConfigError(f"{where}.set: expected a mapping of value keys to values")
    for key, value in values.items():
        if not re.fullmatch(r"[A-Za-z0-9_.]+", key) or isinstance(value, dict | list) or "," in str(value):
            raise ConfigError(f"{where}.set.{key}: expected a dotted key and a scalar value without commas")
    m.done()
    return HelmRelease(release, chart, {k: _scalar(v) for k, v in values.items()})


def _check(doc: Any, where: str) -> Check:
    m = _Map(doc, where)
    kinds = [k for k in CheckKind if k.value in m.doc]
    if len(kinds) != 1:
        raise ConfigError(f"{where}: expected exactly one of {', '.join(k.value for k in CheckKind)}")
    kind = kinds[0]
    if kind in ANSWER_CHECKS:
        value = m.get(kind.value)
        texts = (value,) if isinstance(value, str) else value
        if not isinstance(texts, list | tuple) or not texts or not all(isinstance(t, str) and t for t in texts):
            raise ConfigError(f"{where}.{kind.value}: expected a string or a list of strings")
        m.done()
        return Check(kind, texts=tuple(texts))
    if kind is CheckKind.POD_REASON:
        spec = _Map(m.get(kind.value), f"{where}.{kind.value}")
        check = Check(kind, target=spec.text("selector"), reason=spec.text("reason"))
        spec.done()
        m.done()
        return check
    target = m.text(kind.value)
    if not OBJECT.match(target):
        raise ConfigError(f"{where}.{kind.value}: expected kind/name in lowercase (deployment/web), got {target!r}")
    if kind is CheckKind.FIELD:
        path = m.text("path")
        parse_path(path, f"{where}.path")
        has_equals = "equals" in m.doc
        present = m.get("present")
        if has_equals == (present is not None):
            raise ConfigError(f"{where}: a field check needs exactly one of equals or present")
        if present is not None and not isinstance(present, bool):
            raise ConfigError(f"{where}.present: expected true or false")
        check = Check(kind, target=target, path=path, equals=m.get("equals"), present=present)
        m.done()
        return check
    m.done()
    return Check(kind, target=target)


# -- field paths: spec.template.spec.containers[name=web].image, metadata.annotations[a.b/c] -------------

_SEGMENT = re.compile(r"\.?([A-Za-z0-9_-]+)|\[([^\]]+)\]")


def parse_path(path: str, where: str = "path") -> tuple[str | int | tuple[str, str], ...]:
    """Keys, list indexes and [key=value] list filters, in order."""
    parts: list[str | int | tuple[str, str]] = []
    pos = 0
    while pos < len(path):
        found = _SEGMENT.match(path, pos)
        if found is None or found.end() == pos:
            raise ConfigError(f"{where}: cannot read {path!r} at {path[pos:]!r} (expected a.b[0].c, "
                              "list[name=x] or map[key.with/dots])")
        key, bracket = found.groups()
        if key is not None:
            parts.append(key)
        elif "=" in bracket:
            k, _, v = bracket.partition("=")
            parts.append((k, v))
        elif bracket.isdigit():
            parts.append(int(bracket))
        else:
            parts.append(bracket)
        pos = found.end()
    if not parts:
        raise ConfigError(f"{where}: empty path")
    return tuple(parts)


_MISSING = object()


def lookup(obj: Any, path: str) -> Any:
    """The value at ``path`` in a decoded object, or None when any step is missing."""
    cur = obj
    for part in parse_path(path):
        if isinstance(part, tuple):
            key, want = part
            cur = next((x for x in cur if isinstance(x, dict) and _scalar(x.get(key, _MISSING)) == want), None) \
                if isinstance(cur, list) else None
        elif isinstance(part, int):
            cur = cur[part] if isinstance(cur, list) and part < len(cur) else None
        else:
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cur is None:
            return None
    return cur


def _scalar(value: Any) -> str:
    """One spelling for a YAML or JSON scalar: true/false, 3, "3" and 3.0 compare as the API would show them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def same_value(found: Any, expected: Any) -> bool:
    if isinstance(found, dict | list) or isinstance(expected, dict | list):
        return bool(found == expected)
    return found is not None and _scalar(found) == _scalar(expected)


# -- a strict mapping reader ---------------------------------------------------------------------------


class _Map:
    def __init__(self, doc: Any, where: str) -> None:
        if not isinstance(doc, dict):
            raise ConfigError(f"{where}: expected a mapping, got {type(doc).__name__}")
        self.doc, self.where, self.used = doc, where, set[str]()

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.doc.get(key, default)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.get(key, default)
        if value is None:
            raise ConfigError(f"{self.where}: missing key {key!r}")
        if not isinstance(value, str):
            raise ConfigError(f"{self.where}.{key}: expected a string, got {type(value).__name__}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
            raise ConfigError(f"{self.where}.{key}: expected seconds between 0 and 3600, got {value!r}")
        return float(value)

    def seq(self, key: str) -> list[Any]:
        value = self.get(key, [])
        if not isinstance(value, list):
            raise ConfigError(f"{self.where}.{key}: expected a list, got {type(value).__name__}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.seq(key)
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise ConfigError(f"{self.where}.{key}: expected a list of non-empty strings")
        return tuple(values)

    def done(self) -> None:
        unknown = sorted(set(map(str, self.doc)) - self.used)
        if unknown:
            raise ConfigError(f"{self.where}: unknown key(s) {', '.join(unknown)}")


def select(scenarios: Iterable[Scenario], patterns: Sequence[str]) -> list[Scenario]:
    """Scenarios whose name or category matches any of the globs (all when none are given)."""
    import fnmatch

    if not patterns:
        return list(scenarios)
    return [s for s in scenarios
            if any(fnmatch.fnmatchcase(s.name, p) or fnmatch.fnmatchcase(s.category, p) for p in patterns)]
