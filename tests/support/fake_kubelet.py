"""A fake kubelet for the test control plane (standard library only; runs as its own process).

There are no containers on the test machine, so this process plays the node: it registers Node
aiops-node-1 (Ready, with capacity and an InternalIP), renews its Lease, and for every pod bound
to it writes the pod status a real kubelet would reach (from an annotation, or else from the pod's
spec), posts the events a real kubelet would, and finishes graceful deletion. It also serves, over
TLS on the node's kubelet port:

- GET /containerLogs/{ns}/{pod}/{container}: the text of annotation aiops.test/logs, so that
  real `kubectl logs` works through the apiserver;
- the metrics API (metrics.k8s.io/v1beta1 NodeMetrics/PodMetrics) from annotation
  aiops.test/usage, reached by the apiserver's aggregator through an APIService whose Service is
  an ExternalName for 127.0.0.1.

Annotations (pod level; a `.<container>` suffix overrides for one container):
  aiops.test/state    Running | NotReady | CrashLoopBackOff | ImagePullBackOff |
                      ErrImagePull | OOMKilled | Completed | Failed | CreateContainerConfigError |
                      FailedMount (ContainerCreating; names the first configMap/secret volume) |
                      LivenessProbeFailed (restarted by its liveness probe, in back-off)
                      An init container takes only its own `.<name>` state (default Completed); one
                      not Completed holds the pod in Pending with its containers PodInitializing.
                      Without it, the spec rules below decide (default Running).
  aiops.test/needs-env  NAME[,NAME2]: the container is a program that exits at once unless each
                      NAME is set (non-empty) in its environment (spec rule 4)
  aiops.test/logs     text served by `kubectl logs`
  aiops.test/previous-logs  text served by `kubectl logs --previous` (default: aiops.test/logs)
  aiops.test/usage    "cpu=50m,memory=100Mi" for the metrics API
  aiops.test/restarts restart count for crashing states (default 4)

Spec rules, for a container with no aiops.test/state (pod-level, or its own `.<name>`), checked in
the kubelet's order and re-evaluated on every poll, so fixing the cause (on the pod, by a rollout,
or by creating the missing object) brings the pod to Running/Ready as a real kubelet's retries do;
the same manifests fail and recover the same way on kind/minikube:
  1. a configMap/secret volume naming a missing object (or an `items` key it lacks), not
     `optional: true`: FailedMount, the pod stays ContainerCreating;
  2. an image whose registry host ends in `.invalid` (RFC 6761: fails DNS everywhere): ErrImagePull
     for its first ERR_IMAGE_PULL_SECONDS, then ImagePullBackOff;
  3. env `valueFrom.configMapKeyRef/secretKeyRef` or `envFrom` naming a missing object, or a keyRef
     naming a key the object lacks, not `optional: true`: CreateContainerConfigError;
  4. (aiops.test/needs-env) a NAME that the container's resolved env (env and envFrom) leaves unset
     or empty: CrashLoopBackOff, `kubectl logs [--previous]` says `FATAL: NAME is not set`;
  5. a livenessProbe, then a readinessProbe, httpGet/tcpSocket on a port (number or name) the
     container does not declare in `ports`: nothing answers there, so LivenessProbeFailed, or
     running but not Ready (NotReady), with the kubelet's `connect: connection refused` events
     (`probe errored: strconv.Atoi: ...` for an undeclared port name); exec probes pass.
  Init containers take rules 1-3 (default Completed).
ConfigMaps and Secrets are read with one LIST each per poll, only for namespaces where a pod
refers to them.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import ipaddress
import json
import logging
import os
import re
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ANNOTATION = "aiops.test/"
STATES = (
    "Running", "NotReady", "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "OOMKilled",
    "Completed", "Failed", "CreateContainerConfigError", "FailedMount", "LivenessProbeFailed",
)  # fmt: skip
POD_CIDR = ipaddress.ip_network("192.0.2.0/24")  # documentation range: never loopback, never routed
NODE_IP = "127.0.0.1"  # the apiserver dials the node here for logs
POLL_SECONDS = 0.4
ERR_IMAGE_PULL_SECONDS = 3.0  # a failing pull shows ErrImagePull this long, then ImagePullBackOff
LEASE_SECONDS = 40
LEASE_RENEW_SECONDS = 5
STATUS_HEARTBEAT_SECONDS = 20
DEFAULT_USAGE = {"cpu": "5m", "memory": "32Mi"}
NODE_BASE_USAGE = {"cpu": "150m", "memory": "900Mi"}
NODE_CAPACITY = {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi",
                 "hugepages-2Mi": "0", "hugepages-1Gi": "0"}  # fmt: skip

log = logging.getLogger("fake-kubelet")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ApiError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


class Api:
    """Minimal apiserver client: one keep-alive TLS connection per thread, JSON in and out."""

    def __init__(self, server: str, token: str, ca_file: str) -> None:
        url = urllib.parse.urlsplit(server)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 443
        self.token = token
        self.ctx = ssl.create_default_context(cafile=ca_file)
        self.local = threading.local()

    def _conn(self) -> http.client.HTTPSConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=15)
            self.local.conn = conn
        return conn

    def request(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   "User-Agent": "fake-kubelet/v1.20.2"}  # fmt: skip
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        if resp.status >= 400:
            raise ApiError(resp.status, raw.decode(errors="replace"))
        return json.loads(raw) if raw else None

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def merge_patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body, "application/merge-patch+json")


# --- quantities (for summing usage into node metrics) ----------------------------------------

_SUFFIX = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
           "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}  # fmt: skip


def parse_quantity(q: str) -> float:
    m = re.fullmatch(r"\s*([0-9.]+)([a-zA-Z]*)\s*", q)
    if not m or m.group(2) not in _SUFFIX:
        raise ValueError(f"bad quantity {q!r}")
    return float(m.group(1)) * _SUFFIX[m.group(2)]


def parse_usage(text: str | None) -> dict[str, str] | None:
    """"cpu=50m,memory=100Mi" -> {"cpu": "50m", "memory": "100Mi"}; None when absent or malformed."""
    if not text:
        return None
    out: dict[str, str] = {}
    for part in text.replace(";", ",").split(","):
        if "=" not in part:
            continue
        k, v = (s.strip() for s in part.split("=", 1))
        try:
            parse_quantity(v)
        except ValueError:
            log.warning("ignoring bad usage quantity %s=%s", k, v)
            continue
        out[k] = v
    return out or None


# --- desired pod status ----------------------------------------------------------------------


def annotation(pod: dict[str, Any], key: str, container: str | None = None) -> str | None:
    ann = pod["metadata"].get("annotations") or {}
    if container is not None and f"{ANNOTATION}{key}.{container}" in ann:
        return str(ann[f"{ANNOTATION}{key}.{container}"])
    value = ann.get(ANNOTATION + key)
    return None if value is None else str(value)


def container_state_name(pod: dict[str, Any], container: str) -> str:
    state = (annotation(pod, "state", container) or "Running").strip()
    for s in STATES:
        if s.lower() == state.lower():
            return s
    log.warning("pod %s: unknown state %r, using Running", pod["metadata"]["name"], state)
    return "Running"


def _hexid(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _image_ref(image: str) -> str:
    name = image.split("@")[0]
    if "/" not in name.split(":")[0] or "." not in name.split("/")[0]:
        name = "docker.io/" + (name if "/" in name else "library/" + name)
    return name


def _missing_config_message(spec: dict[str, Any]) -> str:
    """Name the first configMap/secret the pod's env refers to, as the kubelet would."""
    for c in spec.get("containers", []):
        for env in c.get("env", []) or []:
            src = env.get("valueFrom") or {}
            if "configMapKeyRef" in src:
                return f'configmap "{src["configMapKeyRef"].get("name", "")}" not found'
            if "secretKeyRef" in src:
                return f'secret "{src["secretKeyRef"].get("name", "")}" not found'
        for ef in c.get("envFrom", []) or []:
            if "configMapRef" in ef:
                return f'configmap "{ef["configMapRef"].get("name", "")}" not found'
            if "secretRef" in ef:
                return f'secret "{ef["secretRef"].get("name", "")}" not found'
    return 'configmap "app-config" not found'


def _missing_volume_message(spec: dict[str, Any]) -> str:
    """The kubelet's FailedMount message for the first configMap/secret volume of the pod."""
    for vol in spec.get("volumes", []) or []:
        if "configMap" in vol:
            return f'MountVolume.SetUp failed for volume "{vol["name"]}" : configmap "{vol["configMap"].get("name", "")}" not found'
        if "secret" in vol:
            return (f'MountVolume.SetUp failed for volume "{vol["name"]}" : secret '
                    f'"{vol["secret"].get("secretName", "")}" not found')
    return 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found'


def _liveness_message(c: dict[str, Any], ip: str) -> str:
    probe = (c.get("livenessProbe") or {})
    if "httpGet" in probe:
        port, path = probe["httpGet"].get("port", 80), probe["httpGet"].get("path", "/")
        return f'Liveness probe failed: Get "http://{ip}:{port}{path}": dial tcp {ip}:{port}: connect: connection refused'
    port = (probe.get("tcpSocket") or {}).get("port", 80)
    return f"Liveness probe failed: dial tcp {ip}:{port}: connect: connection refused"


def init_state_name(pod: dict[str, Any], container: str) -> str:
    """An init container's state: only its own `.<name>` annotation counts; by default it completed."""
    value = (pod["metadata"].get("annotations") or {}).get(f"{ANNOTATION}state.{container}")
    for s in STATES:
        if value is not None and s.lower() == str(value).strip().lower():
            return s
    return "Completed"


# --- spec-derived rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """A container's state, and the message of the spec rule that decided it (a missing object, a
    failed probe, an unset variable); "" for an annotated state, which keeps its usual text."""

    state: str
    detail: str = ""


@dataclass(frozen=True)
class ConfigObjects:
    """A namespace's ConfigMaps and Secrets as the kubelet resolves them: name -> key -> value is non-empty."""

    configmaps: dict[str, dict[str, bool]]
    secrets: dict[str, dict[str, bool]]

    @classmethod
    def from_lists(cls, configmaps: dict[str, Any], secrets: dict[str, Any]) -> ConfigObjects:
        def keys(obj: dict[str, Any], *fields: str) -> dict[str, bool]:
            return {str(k): bool(v) for f in fields for k, v in (obj.get(f) or {}).items()}

        return cls({o["metadata"]["name"]: keys(o, "data", "binaryData") for o in configmaps.get("items") or []},
                   {o["metadata"]["name"]: keys(o, "data") for o in secrets.get("items") or []})  # fmt: skip

    def get(self, kind: str, name: str) -> dict[str, bool] | None:
        return (self.configmaps if kind == "configmap" else self.secrets).get(name)


# (field in env valueFrom, field in envFrom, kind as the kubelet's errors spell it, Kind)
CONFIG_REFS = (("configMapKeyRef", "configMapRef", "configmap", "ConfigMap"),
               ("secretKeyRef", "secretRef", "secret", "Secret"))  # fmt: skip


def refers_to_config(pod: dict[str, Any]) -> bool:
    """Whether the pod's env, envFrom or volumes name a ConfigMap or Secret (so its namespace's are read)."""
    spec = pod["spec"]
    for vol in spec.get("volumes") or []:
        if "configMap" in vol or "secret" in vol:
            return True
    for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        if c.get("envFrom"):
            return True
        for env in c.get("env") or []:
            src = env.get("valueFrom") or {}
            if "configMapKeyRef" in src or "secretKeyRef" in src:
                return True
    return False


def registry_host(image: str) -> str:
    """The registry an image is pulled from, by the container runtime's rule (docker.io when unnamed)."""
    name = image.split("@")[0]
    first = name.split("/")[0]
    if "/" not in name or not ("." in first or ":" in first or first == "localhost"):
        return "docker.io"
    return first if first.startswith("[") else first.rsplit(":", 1)[0]


def unresolvable_registry(image: str) -> bool:
    """RFC 6761 reserves `.invalid`: its names never resolve, so a pull fails on any real cluster too."""
    host = registry_host(image).lower().rstrip(".")
    return host == "invalid" or host.endswith(".invalid")


def mount_error(pod: dict[str, Any], objs: ConfigObjects | None) -> str:
    """The kubelet's FailedMount message for the first configMap/secret volume it cannot set up, or ""."""
    if objs is None:
        return ""
    for vol in pod["spec"].get("volumes") or []:
        for field, kind, name_key in (("configMap", "configmap", "name"), ("secret", "secret", "secretName")):
            src = vol.get(field)
            if src is None:
                continue
            prefix = f'MountVolume.SetUp failed for volume "{vol.get("name", "")}" : '
            name = str(src.get(name_key) or "")
            data = objs.get(kind, name)
            if src.get("optional"):
                continue
            if data is None:
                return f'{prefix}{kind} "{name}" not found'
            for item in src.get("items") or []:
                key = str(item.get("key") or "")
                if key not in data:
                    return prefix + ("configmap references non-existent config key: " if kind == "configmap"
                                     else "references non-existent secret key: ") + key  # fmt: skip
    return ""


def resolve_env(c: dict[str, Any], ns: str, objs: ConfigObjects | None) -> tuple[dict[str, bool], str]:
    """The container's environment (name -> value is non-empty) and the error that stops the kubelet
    creating the container ("" if none), in the kubelet's order: envFrom, then env, later wins.
    Without objs (nothing listed) no reference fails: a keyRef counts as set, an envFrom adds nothing."""
    env: dict[str, bool] = {}
    for src in c.get("envFrom") or []:
        for _, field, kind, _title in CONFIG_REFS:
            ref = src.get(field)
            if ref is None or objs is None:
                continue
            name = str(ref.get("name") or "")
            data = objs.get(kind, name)
            if data is None:
                if ref.get("optional"):
                    continue
                return env, f'{kind} "{name}" not found'
            prefix = str(src.get("prefix") or "")
            env.update({prefix + k: v for k, v in data.items()})
    for e in c.get("env") or []:
        var = str(e.get("name") or "")
        value_from = e.get("valueFrom")
        if value_from is None:
            env[var] = bool(e.get("value"))
            continue
        ref_kind = next(((f, k, t) for f, _, k, t in CONFIG_REFS if f in value_from), None)
        if ref_kind is None:
            env[var] = True  # fieldRef / resourceFieldRef: the kubelet fills them in
            continue
        field, kind, title = ref_kind
        ref = value_from[field] or {}
        if objs is None:
            env[var] = True
            continue
        name, key = str(ref.get("name") or ""), str(ref.get("key") or "")
        data = objs.get(kind, name)
        if data is None or key not in data:
            if ref.get("optional"):
                continue  # an optional reference that does not resolve leaves the variable unset
            if data is None:
                return env, f'{kind} "{name}" not found'
            return env, f"couldn't find key {key} in {title} {ns}/{name}"
        env[var] = data[key]
    return env, ""


def needed_env(pod: dict[str, Any], container: str) -> list[str]:
    """The names of aiops.test/needs-env (pod-level or `.<container>`), in order."""
    return [n.strip() for n in (annotation(pod, "needs-env", container) or "").split(",") if n.strip()]


def probe_failure(kind: str, c: dict[str, Any], ip: str) -> str:
    """The kubelet's Unhealthy message for the container's `<kind>Probe` when nothing answers it (its
    port is not one the container declares), or "" when it passes (exec, a declared port, no probe)."""
    probe = c.get(f"{kind.lower()}Probe") or {}
    action = probe.get("httpGet") or probe.get("tcpSocket")
    if action is None:
        return ""
    port = action.get("port", 80)
    declared = c.get("ports") or []
    if isinstance(port, str) and not port.isdigit():
        if any(p.get("name") == port for p in declared):
            return ""
        # The prober's last resort reads a port name it cannot find as a number.
        return f'{kind} probe errored: strconv.Atoi: parsing "{port}": invalid syntax'
    if any(str(p.get("containerPort")) == str(port) for p in declared):
        return ""
    host = action.get("host") or ip
    refused = f"dial tcp {host}:{port}: connect: connection refused"
    if "httpGet" in probe:
        scheme = str(action.get("scheme") or "HTTP").lower()
        return f'{kind} probe failed: Get "{scheme}://{host}:{port}{action.get("path") or "/"}": {refused}'
    return f"{kind} probe failed: {refused}"


def explicit_state(pod: dict[str, Any], container: str, init: bool) -> bool:
    ann = pod["metadata"].get("annotations") or {}
    return f"{ANNOTATION}state.{container}" in ann or (not init and f"{ANNOTATION}state" in ann)


def pod_verdicts(
    pod: dict[str, Any], rec: PodRecord, objs: ConfigObjects | None, now: float | None = None
) -> tuple[list[Verdict], list[Verdict]]:
    """(init containers, containers): each one's annotated state, or the one its spec leads to."""
    now = time.monotonic() if now is None else now
    spec, ns = pod["spec"], pod["metadata"]["namespace"]
    mount = mount_error(pod, objs)
    pulls: dict[str, float] = {}

    def before_start(c: dict[str, Any]) -> Verdict | None:
        if mount:
            return Verdict("FailedMount", mount)
        image = c.get("image", "")
        if unresolvable_registry(image):
            since = pulls[f"{c['name']}|{image}"] = rec.pull_since.get(f"{c['name']}|{image}", now)
            return Verdict("ErrImagePull" if now - since < ERR_IMAGE_PULL_SECONDS else "ImagePullBackOff")
        _, error = resolve_env(c, ns, objs)
        return Verdict("CreateContainerConfigError", error) if error else None

    def init_verdict(c: dict[str, Any]) -> Verdict:
        if explicit_state(pod, c["name"], init=True):
            return Verdict(init_state_name(pod, c["name"]))
        return before_start(c) or Verdict("Completed")

    def verdict(c: dict[str, Any]) -> Verdict:
        if explicit_state(pod, c["name"], init=False):
            return Verdict(container_state_name(pod, c["name"]))
        blocked = before_start(c)
        if blocked:
            return blocked
        env, _ = resolve_env(c, ns, objs)
        unset = [n for n in needed_env(pod, c["name"]) if not env.get(n)]
        if unset:
            return Verdict("CrashLoopBackOff", f"FATAL: {unset[0]} is not set")
        for kind, state in (("Liveness", "LivenessProbeFailed"), ("Readiness", "NotReady")):
            failure = probe_failure(kind, c, rec.ip)
            if failure:
                return Verdict(state, failure)
        return Verdict("Running")

    inits = [init_verdict(c) for c in spec.get("initContainers") or []]
    if all(v.state == "Completed" for v in inits):
        containers = [verdict(c) for c in spec.get("containers", [])]
    else:
        containers = [Verdict("PodInitializing") for _ in spec.get("containers", [])]
    rec.pull_since = pulls  # a pull that stopped failing starts afresh if it fails again
    return inits, containers


class PodRecord:
    """What we decided for one pod (by uid): kept so repeated syncs patch only on change."""

    def __init__(self, ip: str, started: str) -> None:
        self.ip = ip
        self.started = started
        self.fingerprint = ""
        self.transition = started
        self.ready: bool | None = None
        self.events_sent: set[str] = set()
        self.pull_since: dict[str, float] = {}  # "container|image" -> when its failing pull began
        self.running_since: dict[str, str] = {}  # container -> when it (last) started running
        self.verdicts: dict[str, Verdict] = {}  # container (init or not) -> what the last sync decided


def container_status(
    pod: dict[str, Any], c: dict[str, Any], state: str, started: str, restarts: int, detail: str = ""
) -> dict[str, Any]:
    uid = pod["metadata"]["uid"]
    name, image = c["name"], c.get("image", "")
    digest = _hexid("image", image)
    base: dict[str, Any] = {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": 0,
                            "started": False, "lastState": {}}  # fmt: skip
    cid = "containerd://" + _hexid(uid, name)
    pulled = {"imageID": f"{_image_ref(image)}@sha256:{digest}", "containerID": cid}
    crash_message = f"back-off 5m0s restarting failed container={name} pod={pod['metadata']['name']}_" \
        f"{pod['metadata']['namespace']}({uid})"
    if state == "Running":
        return base | pulled | {"ready": True, "started": True, "state": {"running": {"startedAt": started}}}
    if state == "NotReady":
        return base | pulled | {"started": True, "state": {"running": {"startedAt": started}}}
    if state == "FailedMount":
        return base | {"state": {"waiting": {"reason": "ContainerCreating"}}}
    if state == "PodInitializing":
        return base | {"state": {"waiting": {"reason": "PodInitializing"}}}
    if state in ("CrashLoopBackOff", "OOMKilled", "LivenessProbeFailed"):
        oom = state == "OOMKilled"
        killed = oom or state == "LivenessProbeFailed"  # SIGKILL: by the kernel, or by the kubelet's probe
        last = {"terminated": {"exitCode": 137 if killed else 1, "reason": "OOMKilled" if oom else "Error",
                               "startedAt": started, "finishedAt": started, "containerID": cid}}  # fmt: skip
        return base | pulled | {
            "restartCount": restarts, "lastState": last,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": crash_message}},
        }  # fmt: skip
    if state == "ImagePullBackOff":
        return base | {"state": {"waiting": {"reason": "ImagePullBackOff",
                                             "message": f'Back-off pulling image "{image}"'}}}  # fmt: skip
    if state == "ErrImagePull":
        return base | {"state": {"waiting": {"reason": "ErrImagePull", "message": pull_error(image)}}}
    if state == "CreateContainerConfigError":
        return base | {"imageID": pulled["imageID"], "state": {"waiting": {
            "reason": "CreateContainerConfigError",
            "message": detail or _missing_config_message(pod["spec"])}}}  # fmt: skip
    code, reason = (0, "Completed") if state == "Completed" else (1, "Error")
    return base | pulled | {"state": {"terminated": {
        "exitCode": code, "reason": reason, "startedAt": started, "finishedAt": started, "containerID": cid}}}  # fmt: skip


def pull_error(image: str) -> str:
    ref = _image_ref(image)
    tag = "" if ":" in ref.rsplit("/", 1)[-1] or "@" in image else ":latest"
    return (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}{tag}": failed to resolve '
        f'reference "{ref}{tag}": {ref}{tag}: not found'
    )


def pod_phase(states: list[str]) -> str:
    if states and all(s == "Completed" for s in states):
        return "Succeeded"
    if states and all(s in ("Completed", "Failed") for s in states):
        return "Failed"
    if any(s in ("ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "FailedMount", "PodInitializing")
           for s in states) and not any(
        s in ("Running", "NotReady", "CrashLoopBackOff", "OOMKilled", "LivenessProbeFailed") for s in states
    ):
        return "Pending"
    return "Running"


STARTED_STATES = frozenset({"Running", "NotReady"})


def desired_status(
    pod: dict[str, Any], rec: PodRecord, verdicts: tuple[list[Verdict], list[Verdict]] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The pod status for these verdicts (default: from annotations and spec alone, no ConfigMaps/Secrets
    read), and the states of its init containers then containers."""
    spec = pod["spec"]
    containers = spec.get("containers", [])
    init_verdicts, main_verdicts = verdicts if verdicts is not None else pod_verdicts(pod, rec, None)
    init_states = [v.state for v in init_verdicts]
    initialized = all(s == "Completed" for s in init_states)
    states = [v.state for v in main_verdicts]
    try:
        restarts = max(1, int(annotation(pod, "restarts") or 4))
    except ValueError:
        restarts = 4

    def started_at(c: dict[str, Any], state: str) -> str:
        # A container that starts later than its pod (its ConfigMap came, its image was fixed) says when.
        key = f"{c['name']}|{c.get('image', '')}"
        if state not in STARTED_STATES:
            rec.running_since.pop(key, None)
            return rec.started
        return rec.running_since.setdefault(key, now_iso() if rec.fingerprint else rec.started)

    statuses = [container_status(pod, c, v.state, started_at(c, v.state), restarts, v.detail)
                for c, v in zip(containers, main_verdicts, strict=True)]  # fmt: skip
    phase = pod_phase(states)
    all_ready = bool(statuses) and all(cs["ready"] for cs in statuses)
    unready = [cs["name"] for cs in statuses if not cs["ready"]]
    if phase in ("Succeeded", "Failed"):
        reason, message = "PodCompleted", None
    else:
        reason, message = "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]"

    def cond(kind: str, ok: bool, when: str) -> dict[str, Any]:
        c: dict[str, Any] = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                             "lastTransitionTime": when}  # fmt: skip
        if not ok:
            c["reason"] = reason
            if message:
                c["message"] = message
        return c

    if rec.ready is None or rec.ready != all_ready:
        rec.transition = now_iso()
        rec.ready = all_ready
    conditions = [
        {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": rec.started},
        cond("Ready", all_ready, rec.transition),
        cond("ContainersReady", all_ready, rec.transition),
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": rec.started},
    ]
    if phase in ("Succeeded", "Failed"):
        conditions[0]["reason"] = "PodCompleted"
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": NODE_IP,
        "podIP": rec.ip,
        "podIPs": [{"ip": rec.ip}],
        "startTime": rec.started,
        "containerStatuses": statuses,
        "qosClass": (pod.get("status") or {}).get("qosClass", "BestEffort"),
    }
    if spec.get("initContainers"):
        status["initContainerStatuses"] = [
            container_status(pod, c, v.state, rec.started, restarts if v.state != "Completed" else 0, v.detail)
            for c, v in zip(spec["initContainers"], init_verdicts, strict=True)
        ]
        if not initialized:
            waiting = [c["name"] for c, s in zip(spec["initContainers"], init_states, strict=True) if s != "Completed"]
            conditions[0] = {"type": "Initialized", "status": "False", "lastProbeTime": None,
                             "lastTransitionTime": rec.started, "reason": "ContainersNotInitialized",
                             "message": f"containers with incomplete status: [{' '.join(waiting)}]"}  # fmt: skip
    return status, [*init_states, *states]


def events_for(
    pod: dict[str, Any], c: dict[str, Any], state: str, restarts: int, detail: str = ""
) -> list[tuple[str, str, str, int]]:
    """(type, reason, message, count) events a kubelet posts for a container in that state; detail is
    the message of the spec rule that led there (see Verdict)."""
    image = c.get("image", "")
    pulled = [("Normal", "Pulling", f'Pulling image "{image}"', 1),
              ("Normal", "Pulled", f'Successfully pulled image "{image}" in 1.204s', 1)]  # fmt: skip
    started = [("Normal", "Created", f"Created container {c['name']}", 1),
               ("Normal", "Started", f"Started container {c['name']}", 1)]  # fmt: skip
    if state == "Running":
        return pulled + started
    if state == "NotReady":
        probe = c.get("readinessProbe") or {}
        if detail:
            return [*pulled, *started, ("Warning", "Unhealthy", detail, 12)]
        if "httpGet" in probe:
            detail = "HTTP probe failed with statuscode: 503"
        elif "tcpSocket" in probe:
            detail = f"dial tcp 192.0.2.1:{probe['tcpSocket'].get('port', 80)}: connect: connection refused"
        else:
            detail = "HTTP probe failed with statuscode: 503"
        return [*pulled, *started, ("Warning", "Unhealthy", f"Readiness probe failed: {detail}", 12)]
    if state in ("CrashLoopBackOff", "OOMKilled"):
        return [*pulled, *started, ("Warning", "BackOff", "Back-off restarting failed container", restarts * 3)]
    if state in ("ImagePullBackOff", "ErrImagePull"):
        evs = [("Normal", "Pulling", f'Pulling image "{image}"', restarts),
               ("Warning", "Failed", f"Failed to pull image \"{image}\": {pull_error(image)}", restarts),
               ("Warning", "Failed", "Error: ErrImagePull", restarts)]  # fmt: skip
        if state == "ImagePullBackOff":
            evs += [("Normal", "BackOff", f'Back-off pulling image "{image}"', restarts * 2),
                    ("Warning", "Failed", "Error: ImagePullBackOff", restarts * 2)]  # fmt: skip
        return evs
    if state == "CreateContainerConfigError":
        return [*pulled, ("Warning", "Failed", f"Error: {detail or _missing_config_message(pod['spec'])}", 3)]
    if state == "FailedMount":
        return [("Warning", "FailedMount", detail or _missing_volume_message(pod["spec"]), restarts)]
    if state == "PodInitializing":
        return []
    if state == "LivenessProbeFailed":
        ip = (pod.get("status") or {}).get("podIP") or "192.0.2.1"
        return [*pulled, *started, ("Warning", "Unhealthy", detail or _liveness_message(c, ip), restarts * 3),
                ("Normal", "Killing", f"Container {c['name']} failed liveness probe, will be restarted", restarts),
                ("Warning", "BackOff", "Back-off restarting failed container", restarts * 2)]  # fmt: skip
    return pulled + started  # Completed / Failed ran once


# --- the kubelet loop ------------------------------------------------------------------------


class Kubelet:
    def __init__(self, api: Api, node_name: str, port: int) -> None:
        self.api = api
        self.node = node_name
        self.port = port
        self.pods: dict[str, PodRecord] = {}
        self.snapshot: list[dict[str, Any]] = []  # last pod list, for the metrics API
        self.lock = threading.Lock()
        self.free_ips = [str(ip) for ip in list(POD_CIDR.hosts())[9:]]  # .10 upwards
        self.last_lease = 0.0
        self.last_status = 0.0
        self.stopping = threading.Event()

    # node ------------------------------------------------------------------
    def node_status(self) -> dict[str, Any]:
        t = now_iso()

        def cond(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
            return {"type": kind, "status": status, "reason": reason, "message": message,
                    "lastHeartbeatTime": t, "lastTransitionTime": self.boot}  # fmt: skip

        return {
            "capacity": NODE_CAPACITY,
            "allocatable": NODE_CAPACITY,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "InternalIP", "address": NODE_IP}, {"type": "Hostname", "address": self.node}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": self.port}},
            "nodeInfo": {
                "machineID": _hexid("machine", self.node)[:32], "systemUUID": _hexid("uuid", self.node)[:32],
                "bootID": _hexid("boot", self.boot)[:32], "kernelVersion": "6.1.0-aiops-test",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion": "containerd://1.6.20",
                "kubeletVersion": "v1.20.2", "kubeProxyVersion": "v1.20.2",
                "operatingSystem": "linux", "architecture": "amd64",
            },
        }  # fmt: skip

    def register(self) -> None:
        self.boot = now_iso()
        labels = {"kubernetes.io/hostname": self.node, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                  "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
                  "node.kubernetes.io/instance-type": "aiops-test"}  # fmt: skip
        try:
            self.api.request("POST", "/api/v1/nodes", {
                "apiVersion": "v1", "kind": "Node", "metadata": {"name": self.node, "labels": labels},
                "spec": {},
            })  # fmt: skip
            log.info("registered node %s", self.node)
        except ApiError as e:
            if e.status != 409:
                raise
        self.heartbeat(force=True)

    def heartbeat(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last_status > STATUS_HEARTBEAT_SECONDS:
            self.api.merge_patch(f"/api/v1/nodes/{self.node}/status", {"status": self.node_status()})
            node = self.api.get(f"/api/v1/nodes/{self.node}")
            taints = node["spec"].get("taints") or []
            kept = [t for t in taints if t.get("key") not in ("node.kubernetes.io/not-ready",
                                                             "node.kubernetes.io/unreachable")]  # fmt: skip
            if len(kept) != len(taints):
                # A real node loses these when the lifecycle controller sees it Ready; do not wait for it.
                self.api.merge_patch(f"/api/v1/nodes/{self.node}", {"spec": {"taints": kept or None}})
            self.last_status = now
        if force or now - self.last_lease > LEASE_RENEW_SECONDS:
            self.renew_lease()
            self.last_lease = now

    def renew_lease(self) -> None:
        path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{self.node}"
        spec = {"holderIdentity": self.node, "leaseDurationSeconds": LEASE_SECONDS, "renewTime": now_micro()}
        try:
            self.api.merge_patch(path, {"spec": spec})
        except ApiError as e:
            if e.status != 404:
                raise
            self.api.request("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.node, "namespace": "kube-node-lease"}, "spec": spec,
            })  # fmt: skip

    # pods ------------------------------------------------------------------
    def list_pods(self) -> list[dict[str, Any]]:
        sel = urllib.parse.quote(f"spec.nodeName={self.node}")
        return list(self.api.get(f"/api/v1/pods?fieldSelector={sel}")["items"])

    def config_objects(self, pods: list[dict[str, Any]]) -> dict[str, ConfigObjects | None]:
        """ConfigMaps and Secrets of each namespace where a live pod refers to some (None: unreadable now)."""
        namespaces = sorted({p["metadata"]["namespace"] for p in pods
                             if not p["metadata"].get("deletionTimestamp") and refers_to_config(p)})  # fmt: skip
        out: dict[str, ConfigObjects | None] = {}
        for ns in namespaces:
            try:
                out[ns] = ConfigObjects.from_lists(self.api.get(f"/api/v1/namespaces/{ns}/configmaps"),
                                                   self.api.get(f"/api/v1/namespaces/{ns}/secrets"))  # fmt: skip
            except (ApiError, OSError, http.client.HTTPException, ValueError) as e:
                log.warning("cannot read configmaps/secrets of %s (%s); its pods wait a round", ns, e)
                out[ns] = None
        return out

    def sync_once(self) -> None:
        self.heartbeat()
        pods = self.list_pods()
        config = self.config_objects(pods)
        seen = set()
        current = []
        for pod in pods:
            uid = pod["metadata"]["uid"]
            seen.add(uid)
            try:
                current.append(self.sync_pod(pod, config))
            except Exception:
                current.append(pod)
                log.exception("sync of pod %s/%s failed", pod["metadata"]["namespace"], pod["metadata"]["name"])
        # The metrics API answers from this list: with the statuses just written, a pod is in
        # it as soon as anyone can see it Running.
        with self.lock:
            self.snapshot = current
        with self.lock:
            for uid in set(self.pods) - seen:
                self.free_ips.append(self.pods.pop(uid).ip)

    def record(self, pod: dict[str, Any]) -> PodRecord:
        uid = pod["metadata"]["uid"]
        rec = self.pods.get(uid)
        if rec is None:
            # Past 245 live pods addresses repeat; no test gets near that.
            ip = self.free_ips.pop(0) if self.free_ips else "192.0.2.9"
            started = (pod.get("status") or {}).get("startTime") or now_iso()
            rec = PodRecord(ip, started)
            with self.lock:
                self.pods[uid] = rec
        return rec

    def sync_pod(self, pod: dict[str, Any], config: dict[str, ConfigObjects | None] | None = None) -> dict[str, Any]:
        """Bring one pod to its annotated or spec-derived state; returns the pod as it now is."""
        meta = pod["metadata"]
        ns, name = meta["namespace"], meta["name"]
        if meta.get("deletionTimestamp"):
            # No containers to stop: graceful deletion completes at once, as the kubelet would
            # after the containers exited.
            body = {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
                    "preconditions": {"uid": meta["uid"]}}  # fmt: skip
            try:
                self.api.request("DELETE", f"/api/v1/namespaces/{ns}/pods/{name}", body)
                log.info("deleted %s/%s", ns, name)
            except ApiError as e:
                if e.status not in (404, 409):
                    raise
            return pod
        objs = (config or {}).get(ns)
        if objs is None and refers_to_config(pod):
            return pod  # its ConfigMaps/Secrets could not be read: decide next round
        rec = self.record(pod)
        inits, mains = pod_verdicts(pod, rec, objs)
        everyone = [*(pod["spec"].get("initContainers") or []), *pod["spec"].get("containers", [])]
        # Re-decided every round (a ConfigMap appears, a pull backs off); patched only on change.
        fingerprint = json.dumps(
            [meta.get("annotations") or {}, [(c["name"], c.get("image")) for c in everyone],
             [(v.state, v.detail) for v in [*inits, *mains]]],
            sort_keys=True,
        )
        if fingerprint == rec.fingerprint and (pod.get("status") or {}).get("podIP") == rec.ip:
            return pod
        status, states = desired_status(pod, rec, (inits, mains))
        updated = self.api.merge_patch(f"/api/v1/namespaces/{ns}/pods/{name}/status", {"status": status})
        rec.fingerprint = fingerprint
        rec.verdicts = {c["name"]: v for c, v in zip(everyone, [*inits, *mains], strict=True)}
        log.info("pod %s/%s -> %s %s", ns, name, status["phase"], states)
        self.post_events(pod, rec, [*inits, *mains])
        return updated if isinstance(updated, dict) else pod

    def verdict(self, pod: dict[str, Any], container: str) -> Verdict:
        """What the last sync decided for a container (before the first: its annotated state)."""
        with self.lock:
            rec = self.pods.get(pod["metadata"]["uid"])
            found = rec.verdicts.get(container) if rec is not None else None
        return found or Verdict(container_state_name(pod, container))

    def post_events(self, pod: dict[str, Any], rec: PodRecord, verdicts: list[Verdict]) -> None:
        restarts = 4
        with contextlib.suppress(ValueError, TypeError):
            restarts = max(1, int(annotation(pod, "restarts") or 4))
        everyone = [*(pod["spec"].get("initContainers") or []), *pod["spec"].get("containers", [])]
        for c, v in zip(everyone, verdicts, strict=True):
            for etype, reason, message, count in events_for(pod, c, v.state, restarts, v.detail):
                # A volume fails for the whole pod: one event, not one per container.
                key = f"{'' if reason == 'FailedMount' else c['name']}|{reason}|{message}"
                if key in rec.events_sent:
                    continue
                rec.events_sent.add(key)
                self.post_event(pod, c["name"], etype, reason, message, count)

    def post_event(self, pod: dict[str, Any], container: str, etype: str, reason: str, message: str,
                   count: int) -> None:  # fmt: skip
        meta = pod["metadata"]
        t = now_iso()
        event = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{_hexid(meta['uid'], container, reason, message)[:16]}",
                         "namespace": meta["namespace"]},
            "involvedObject": {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"],
                               "uid": meta["uid"], "apiVersion": "v1", "resourceVersion": meta.get("resourceVersion"),
                               "fieldPath": f"spec.containers{{{container}}}"},
            "reason": reason, "message": message, "type": etype, "count": count,
            "source": {"component": "kubelet", "host": self.node},
            "firstTimestamp": t, "lastTimestamp": t,
            "reportingComponent": "kubelet", "reportingInstance": self.node,
        }  # fmt: skip
        try:
            self.api.request("POST", f"/api/v1/namespaces/{meta['namespace']}/events", event)
        except ApiError as e:
            if e.status == 409:
                return
            if e.status == 403 or e.status == 404:  # namespace terminating or gone
                log.info("event for %s/%s dropped: %s", meta["namespace"], meta["name"], e)
                return
            raise

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.register()
                break
            except Exception as e:
                log.warning("node registration failed (%s); retrying", e)
                self.stopping.wait(1)
        while not self.stopping.is_set():
            try:
                self.sync_once()
            except Exception:
                log.exception("sync failed")
                self.stopping.wait(1)
            self.stopping.wait(POLL_SECONDS)

    # metrics ---------------------------------------------------------------
    def pod_metrics(self, pod: dict[str, Any]) -> dict[str, Any]:
        containers = pod["spec"].get("containers", [])
        items = []
        for i, c in enumerate(containers):
            usage = parse_usage(annotation(pod, f"usage.{c['name']}"))
            if usage is None:
                pod_usage = parse_usage(annotation(pod, "usage"))
                # The pod-level figure is the pod's total: it goes to the first container.
                usage = (pod_usage if i == 0 else {"cpu": "0", "memory": "0"}) if pod_usage else DEFAULT_USAGE
            items.append({"name": c["name"], "usage": dict(usage)})
        meta = pod["metadata"]
        return {
            "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "labels": meta.get("labels") or {},
                         "creationTimestamp": now_iso(), "selfLink": (
                             f"/apis/metrics.k8s.io/v1beta1/namespaces/{meta['namespace']}/pods/{meta['name']}")},
            "timestamp": now_iso(), "window": "30s", "containers": items,
        }  # fmt: skip

    def running_pods(self) -> list[dict[str, Any]]:
        with self.lock:
            pods = list(self.snapshot)
        return [p for p in pods if (p.get("status") or {}).get("phase") == "Running"
                and not p["metadata"].get("deletionTimestamp")]  # fmt: skip

    def node_metrics(self) -> dict[str, Any]:
        cpu = parse_quantity(NODE_BASE_USAGE["cpu"])
        mem = parse_quantity(NODE_BASE_USAGE["memory"])
        for pod in self.running_pods():
            for c in self.pod_metrics(pod)["containers"]:
                cpu += parse_quantity(c["usage"].get("cpu", "0"))
                mem += parse_quantity(c["usage"].get("memory", "0"))
        return {
            "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": {"name": self.node, "labels": {"kubernetes.io/hostname": self.node},
                         "creationTimestamp": now_iso(), "selfLink": f"/apis/metrics.k8s.io/v1beta1/nodes/{self.node}"},
            "timestamp": now_iso(), "window": "30s",
            "usage": {"cpu": f"{round(cpu * 1e9)}n", "memory": f"{round(mem / 1024)}Ki"},
        }  # fmt: skip


def label_selector_matches(selector: str, labels: dict[str, str]) -> bool:
    """Equality-based and set-based (in/notin/exists) label selectors, as kubectl sends them."""
    if not selector:
        return True
    for term in re.split(r",(?![^()]*\))", selector):
        term = term.strip()
        if not term:
            continue
        m = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", term)
        if m:
            values = {v.strip() for v in m.group(3).split(",")}
            inside = labels.get(m.group(1)) in values
            if inside != (m.group(2) == "in"):
                return False
            continue
        m = re.fullmatch(r"([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)", term)
        if m:
            equal = labels.get(m.group(1)) == m.group(3)
            if equal != (m.group(2) != "!="):
                return False
            continue
        if term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


# --- HTTPS server: kubelet API (logs) + metrics API ------------------------------------------


RESOURCE_LIST = {
    "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "metrics.k8s.io/v1beta1",
    "resources": [
        {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
        {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
    ],
}  # fmt: skip


def make_handler(kubelet: Kubelet) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fake-kubelet"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("http %s", format % args)

        def send_json(self, code: int, obj: Any) -> None:
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def send_text(self, code: int, text: str) -> None:
            body = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def not_found(self, what: str) -> None:
            self.send_json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                                 "message": what, "code": 404})  # fmt: skip

        def do_GET(self) -> None:
            try:
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/") if p]
                if parts[:1] == ["containerLogs"] and len(parts) == 4:
                    self.container_logs(parts[1], parts[2], parts[3], query)
                elif parts[:3] == ["apis", "metrics.k8s.io", "v1beta1"]:
                    self.metrics(parts[3:], query)
                elif parts == ["openapi", "v2"]:
                    # The aggregator merges every APIService's spec into /openapi/v2; an empty one
                    # keeps its log free of "OpenAPI spec does not exist" every minute.
                    self.send_json(200, {"swagger": "2.0", "info": {"title": "metrics.k8s.io", "version": "v1beta1"},
                                         "paths": {}, "definitions": {}})  # fmt: skip
                elif parts in (["healthz"], ["readyz"], ["livez"]):
                    self.send_text(200, "ok")
                else:
                    self.not_found(f"the server could not find the requested resource ({url.path})")
            except Exception as e:
                log.exception("GET %s failed", self.path)
                with contextlib.suppress(Exception):
                    self.send_text(500, f"internal error: {e}")

        def container_logs(self, ns: str, name: str, container: str, query: dict[str, list[str]]) -> None:
            try:
                pod = kubelet.api.get(f"/api/v1/namespaces/{ns}/pods/{name}")
            except ApiError as e:
                self.send_text(404 if e.status == 404 else 500, f'pod "{name}" not found')
                return
            names = [c["name"] for c in pod["spec"].get("containers", []) + pod["spec"].get("initContainers", [])]
            if container not in names:
                self.send_text(400, f'container "{container}" in pod "{name}" is not valid')
                return
            verdict = kubelet.verdict(pod, container)
            state = verdict.state
            # A crash a spec rule decided (aiops.test/needs-env) leaves the program's last words.
            last_words = f"{verdict.detail}\n" if state == "CrashLoopBackOff" and verdict.detail else ""
            previous = query.get("previous", ["false"])[0] == "true"
            waiting = {"ImagePullBackOff": "trying and failing to pull image",
                       "ErrImagePull": "trying and failing to pull image",
                       "CreateContainerConfigError": "CreateContainerConfigError",
                       "FailedMount": "ContainerCreating", "PodInitializing": "PodInitializing"}  # fmt: skip
            if previous:
                if state not in ("CrashLoopBackOff", "OOMKilled", "LivenessProbeFailed"):
                    self.send_text(400, f'previous terminated container "{container}" in pod "{name}" not found')
                    return
                text = (annotation(pod, "previous-logs", container) or annotation(pod, "logs", container)
                        or last_words)  # fmt: skip
            elif state in waiting:
                self.send_text(400, f'container "{container}" in pod "{name}" is waiting to start: {waiting[state]}')
                return
            else:
                text = annotation(pod, "logs", container) or last_words
            lines = text.splitlines(keepends=True)
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            if "tailLines" in query:
                with contextlib.suppress(ValueError):
                    n = int(query["tailLines"][0])
                    lines = lines[-n:] if n > 0 else []
            if query.get("timestamps", ["false"])[0] == "true":
                started = (pod.get("status") or {}).get("startTime") or now_iso()
                stamp = started.replace("Z", ".000000000Z")
                lines = [f"{stamp} {line}" for line in lines]
            out = "".join(lines)
            if "limitBytes" in query:
                with contextlib.suppress(ValueError):
                    out = out.encode()[: int(query["limitBytes"][0])].decode(errors="ignore")
            self.send_text(200, out)

        def metrics(self, rest: list[str], query: dict[str, list[str]]) -> None:
            selector = query.get("labelSelector", [""])[0]
            if not rest:
                self.send_json(200, RESOURCE_LIST)
                return
            if rest[0] == "nodes":
                node = kubelet.node_metrics()
                if len(rest) == 2:
                    if rest[1] == kubelet.node:
                        self.send_json(200, node)
                    else:
                        self.not_found(f'nodemetrics.metrics.k8s.io "{rest[1]}" not found')
                    return
                items = [node] if label_selector_matches(selector, node["metadata"]["labels"]) else []
                self.send_json(200, {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                     "metadata": {}, "items": items})  # fmt: skip
                return
            ns = None
            if rest[0] == "namespaces" and len(rest) >= 3:
                ns, rest = rest[1], rest[2:]
            if rest[0] != "pods":
                self.not_found("unknown metrics resource")
                return
            pods = [p for p in kubelet.running_pods() if ns is None or p["metadata"]["namespace"] == ns]
            if len(rest) == 2:
                match = [p for p in pods if p["metadata"]["name"] == rest[1]]
                if match:
                    self.send_json(200, kubelet.pod_metrics(match[0]))
                else:
                    self.not_found(f'podmetrics.metrics.k8s.io "{ns}/{rest[1]}" not found')
                return
            items = [kubelet.pod_metrics(p) for p in pods
                     if label_selector_matches(selector, p["metadata"].get("labels") or {})]  # fmt: skip
            self.send_json(200, {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                                 "metadata": {}, "items": items})  # fmt: skip

    return Handler


def serve(kubelet: Kubelet, cert: str, key: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", kubelet.port), make_handler(kubelet))
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, name="https", daemon=True).start()
    return server


def watch_owner(owner: int, state_dir: Path, kubelet: Kubelet) -> None:
    """If the test run that started us dies without teardown, take the cluster down with it."""
    while not kubelet.stopping.wait(1):
        try:
            # A zombie (dead, not yet reaped) counts as gone.
            if Path(f"/proc/{owner}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                continue
        except (OSError, IndexError):
            pass
        log.warning("owner process %d is gone: stopping the cluster", owner)
        try:
            pids = json.loads((state_dir / "pids.json").read_text())
        except (OSError, ValueError):
            pids = {}
        for name, pid in pids.items():
            if pid == os.getpid():
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if str(state_dir) in cmdline:  # never a recycled PID
                log.info("sending SIGTERM to %s (%d)", name, pid)
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
        kubelet.stopping.set()
        return


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--ca-file", required=True)
    p.add_argument("--cert-file", required=True)
    p.add_argument("--key-file", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--node-name", default="aiops-node-1")
    p.add_argument("--log-file")
    p.add_argument("--state-dir", help="the cluster's state dir (pids.json; marks this process as the cluster's)")
    p.add_argument("--owner-pid", type=int, help="stop the whole cluster when this process is gone")
    args = p.parse_args(argv)
    logging.basicConfig(
        filename=args.log_file, level=logging.INFO, format="%(asctime)s %(levelname)s %(threadName)s %(message)s"
    )
    api = Api(args.server, Path(args.token_file).read_text().strip(), args.ca_file)
    kubelet = Kubelet(api, args.node_name, args.port)
    if args.owner_pid and args.state_dir:
        threading.Thread(target=watch_owner, args=(args.owner_pid, Path(args.state_dir), kubelet), name="owner",
                         daemon=True).start()  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: kubelet.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: kubelet.stopping.set())
    server = serve(kubelet, args.cert_file, args.key_file)
    log.info("serving kubelet API and metrics on https://127.0.0.1:%d", args.port)
    kubelet.run()
    server.shutdown()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
