"""Pod: why a pod is not running or not ready, from its status, conditions and the kubelet's events."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import (
    RESOURCE,
    describe,
    events_cmd,
    first_sentence,
    kubectl,
    latest_events,
    make,
)
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, conditions_of, name_of, namespace_of, spec_of, status_of

NAME = "Pod"

# Builds a pod finding with the pod's parent and the common suggestions already filled in.
FindingFn = Callable[[Severity, str, str, list[str], list[str]], Finding]

IMAGE_REASONS = frozenset({"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull",
                           "ImageInspectError"})
START_REASONS = frozenset({"RunContainerError", "CreateContainerError", "PreCreateHookError", "PreStartHookError",
                           "PostStartHookError"})
# Events that explain a pod stuck in ContainerCreating.
CREATING_EVENTS = frozenset({"FailedMount", "FailedAttachVolume", "FailedCreatePodSandBox", "FailedSync",
                             "NetworkNotReady", "FailedCreatePodContainer"})
_MISSING_REF = re.compile(r'(configmap|secret)s? "?([\w.-]+)"? not found', re.IGNORECASE)
_MISSING_KEY = re.compile(r"couldn't find key ([\w.-]+) in (ConfigMap|Secret) ([\w.-]+)/([\w.-]+)")


def analyze(inv: Inventory) -> Iterator[Finding]:
    for pod in inv.all("Pod"):
        status = status_of(pod)
        phase = status.get("phase")
        if phase == "Succeeded":
            continue
        if phase == "Running" and _all_ready(status):
            continue  # the common case, decided without touching events
        yield from _analyze_pod(inv, pod, status, phase)


def _all_ready(status: Mapping[str, Any]) -> bool:
    statuses = status.get("containerStatuses") or ()
    if not statuses:
        return False
    for cs in statuses:
        if not cs.get("ready"):
            return False
        last = (cs.get("lastState") or {}).get("terminated")
        if last and last.get("reason") == "OOMKilled":
            return False
    return True


def _analyze_pod(inv: Inventory, pod: dict[str, Any], status: Mapping[str, Any], phase: Any) -> Iterator[Finding]:
    ns, name = namespace_of(pod), name_of(pod)
    parent = inv.root_of(pod)
    events = inv.warning_events_for("Pod", ns, name)
    base = [describe("Pod", name, ns)]

    def finding(sev: Severity, reason: str, message: str, evidence: list[str], more: list[str]) -> Finding:
        return make(NAME, pod, "Pod", sev, reason, message, evidence, [*more, *base], parent)

    if status.get("reason") == "Evicted":
        yield finding(Severity.WARNING, "Evicted", f"Pod was evicted: {first_sentence(status.get('message', ''))}",
                      [f"status.reason: Evicted: {status.get('message', '')}"],
                      [kubectl("describe", "node", str(spec_of(pod).get("nodeName") or ""))]
                      if spec_of(pod).get("nodeName") else [])
        return

    conds = conditions_of(pod)
    unplaced = _unscheduled_condition(status)
    scheduled = unplaced or conds.get("PodScheduled") or {}
    if phase == "Pending" and (unplaced is not None or scheduled.get("status") == "False"):
        claim = _pending_claim(inv, pod)
        if claim is not None:
            # Waiting for its claim: the claim's own finding says why; read the pod in the claim's group.
            def finding(sev: Severity, reason: str, message: str, evidence: list[str], more: list[str]) -> Finding:
                return make(NAME, pod, "Pod", sev, reason, message, evidence, [*more, *base], claim)
        yield from _unscheduled(pod, scheduled, events, finding)
        return

    container_findings = list(_container_findings(inv, pod, status, events, finding))
    yield from container_findings
    if container_findings:
        return

    if phase == "Failed":
        yield finding(Severity.WARNING, "Failed",
                      f"Pod failed: {first_sentence(status.get('message') or status.get('reason') or 'a container exited with an error')}.",
                      [f"status.phase: Failed{': ' + str(status.get('reason')) if status.get('reason') else ''}",
                       *_terminations(status)], [kubectl("logs", name, "--all-containers", namespace=ns)])
        return

    probe_events = [e for e in events if e.get("reason") == "Unhealthy"]
    liveness = [e for e in probe_events if "liveness" in str(e.get("message", "")).lower()]
    readiness = [e for e in probe_events if "readiness" in str(e.get("message", "")).lower()]
    ready = conds.get("Ready") or {}
    unready_containers = any(not cs.get("ready") for cs in status.get("containerStatuses") or ())
    if phase == "Running" and (ready.get("status") == "False" or (not ready and unready_containers and readiness)):
        unready = [cs.get("name") for cs in status.get("containerStatuses") or () if not cs.get("ready")]
        reason = "ReadinessProbeFailed" if readiness else "NotReady"
        what = "its readiness probe is failing" if readiness else "its containers report not ready"
        yield finding(Severity.WARNING, reason,
                      f"Pod is running but not ready: {what}; it receives no Service traffic.",
                      [f"condition Ready=False: {ready.get('reason') or ''} {ready.get('message') or ''}".rstrip(),
                       *(f"container {c}: ready=false" for c in unready), *latest_events(readiness)],
                      [kubectl("logs", name, "-c", str(unready[0]), namespace=ns)] if unready else [])
    elif sum(int(e.get("count") or 1) for e in liveness) >= 3:  # one failed probe is noise, not a fault
        yield finding(Severity.WARNING, "LivenessProbeFailed",
                      "The liveness probe keeps failing, so the kubelet restarts the container.",
                      latest_events(liveness), [kubectl("logs", name, "--previous", namespace=ns)])


def _pending_claim(inv: Inventory, pod: dict[str, Any]) -> str | None:
    """"PersistentVolumeClaim/NAME" of a claim the pod mounts that is itself Pending, if any."""
    for vol in spec_of(pod).get("volumes") or ():
        claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
        pvc = inv.get("PersistentVolumeClaim", namespace_of(pod), str(claim)) if claim else None
        if pvc is not None and status_of(pvc).get("phase") == "Pending":
            return f"PersistentVolumeClaim/{claim}"
    return None


def _unscheduled_condition(status: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The PodScheduled condition saying why the pod is not placed, even beside a later one of the same type."""
    for cond in status.get("conditions") or ():
        if isinstance(cond, Mapping) and cond.get("type") == "PodScheduled" and cond.get("status") != "True" and \
                cond.get("reason") in ("Unschedulable", "SchedulingGated"):
            return cond
    return None


def _unscheduled(pod: dict[str, Any], scheduled: Mapping[str, Any], events: list[dict[str, Any]],
                 finding: FindingFn) -> Iterator[Finding]:
    ns = namespace_of(pod)
    gates = [str(g.get("name")) for g in spec_of(pod).get("schedulingGates") or ()]
    if gates or scheduled.get("reason") == "SchedulingGated":
        yield finding(Severity.WARNING, "SchedulingGated",
                      f"Pod is held back by scheduling gates ({', '.join(gates) or 'unnamed'}) until a controller removes them.",
                      [f"spec.schedulingGates: {', '.join(gates)}"], [])
        return
    msg = str(scheduled.get("message") or "")
    sched_events = [e for e in events if e.get("reason") == "FailedScheduling"]
    if not msg and sched_events:
        msg = str(sched_events[-1].get("message") or "")
    more: list[str] = []
    selector = spec_of(pod).get("nodeSelector") or {}
    if selector or "node selector" in msg or "affinity" in msg:
        more.append(kubectl("get", "nodes", "--show-labels"))
    if "Insufficient" in msg:
        more.append(kubectl("describe", "nodes"))
    if "persistentvolumeclaim" in msg.lower() or "unbound" in msg:
        more.append(kubectl("get", "pvc", namespace=ns))
    evidence = [f"condition PodScheduled=False: {scheduled.get('reason') or ''}: {msg}".rstrip(": ")]
    if selector:
        evidence.append("spec.nodeSelector: " + ",".join(f"{k}={v}" for k, v in selector.items()))
    evidence += latest_events(sched_events, limit=1)
    yield finding(Severity.CRITICAL, "Unschedulable",
                  f"Pod cannot be scheduled: {first_sentence(msg) if msg else 'the scheduler found no fitting node'}",
                  evidence, more)


def _terminations(status: Mapping[str, Any]) -> list[str]:
    out = []
    for cs in status.get("containerStatuses") or ():
        term = (cs.get("state") or {}).get("terminated")
        if term:
            out.append(f"container {cs.get('name')}: terminated {term.get('reason', '')}, exit code {term.get('exitCode')}")
    return out


def _container_findings(inv: Inventory, pod: dict[str, Any], status: Mapping[str, Any],
                        events: list[dict[str, Any]], finding: FindingFn) -> Iterator[Finding]:
    ns, name = namespace_of(pod), name_of(pod)
    parent = inv.root_of(pod)
    containers = {c.get("name"): c for c in [*(spec_of(pod).get("initContainers") or ()),
                                             *(spec_of(pod).get("containers") or ())]}
    for init, statuses in ((True, status.get("initContainerStatuses")), (False, status.get("containerStatuses"))):
        for cs in statuses or ():
            cname = str(cs.get("name") or "")
            label = f"init container {cname}" if init else f"container {cname}"
            state = cs.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            last = (cs.get("lastState") or {}).get("terminated") or {}
            restarts = int(cs.get("restartCount") or 0)
            spec = containers.get(cname) or {}
            if waiting:
                reason = str(waiting.get("reason") or "")
                wmsg = str(waiting.get("message") or "")
                if reason == "CrashLoopBackOff":
                    if last.get("reason") == "OOMKilled":
                        yield _oom(ns, name, parent, cname, label, spec, restarts, last, finding)
                        continue
                    # The kubelet names the container in fieldPath ("spec.containers{app}"); without one, any.
                    killed = [e for e in events if e.get("reason") == "Unhealthy"
                              and "liveness" in str(e.get("message", "")).lower()
                              and f"{{{cname}}}" in str((e.get("involvedObject") or {}).get("fieldPath")
                                                        or f"{{{cname}}}")]
                    if killed:
                        yield _liveness(name, ns, cname, label, spec, restarts, killed, finding)
                        continue
                    code = last.get("exitCode")
                    why = f"last exit code {code}" + (f" ({last.get('reason')})" if last.get("reason") else "") \
                        if last else "no termination recorded"
                    yield finding(Severity.CRITICAL, "CrashLoopBackOff",
                                  f"The {label} keeps crashing and is in a restart back-off: {why}, {restarts} restarts.",
                                  [f"{label}: waiting CrashLoopBackOff: {wmsg}".rstrip(": "),
                                   *([f"{label}: last terminated {last.get('reason', '')}, exit code {code}"
                                      + (f", message {first_sentence(last['message'], 160)}" if last.get("message") else "")]
                                     if last else []),
                                   *latest_events([e for e in events if e.get("reason") == "BackOff"], 1)],
                                  [kubectl("logs", name, "-c", cname, "--previous", namespace=ns)])
                elif reason in IMAGE_REASONS:
                    image = str(cs.get("image") or spec.get("image") or "?")
                    yield finding(Severity.CRITICAL, reason,
                                  f"The {label} cannot start because image {image} cannot be pulled"
                                  + (f": {first_sentence(wmsg, 160)}" if wmsg else "."),
                                  [f"{label}: waiting {reason}: {wmsg}".rstrip(": "), f"image: {image}",
                                   *latest_events([e for e in events if e.get("reason") in ("Failed", "BackOff")], 2)],
                                  [events_cmd("Pod", name, ns)])
                elif reason == "CreateContainerConfigError":
                    yield _config_error(ns, label, wmsg, finding)
                elif reason in START_REASONS:
                    yield finding(Severity.CRITICAL, reason,
                                  f"The {label} could not be started: {first_sentence(wmsg or reason, 200)}",
                                  [f"{label}: waiting {reason}: {wmsg}".rstrip(": "), *latest_events(events, 2)],
                                  [events_cmd("Pod", name, ns)])
                elif reason in ("ContainerCreating", "PodInitializing"):
                    stuck = [e for e in events if e.get("reason") in CREATING_EVENTS]
                    if stuck:
                        text = str(stuck[-1].get("message", ""))
                        missing = _MISSING_REF.search(text)
                        # A volume whose ConfigMap/Secret does not exist never mounts: not a passing state.
                        yield finding(Severity.CRITICAL if missing else Severity.WARNING, "ContainerCreating",
                                      f"The {label} is stuck creating: {first_sentence(text, 200)}",
                                      [f"{label}: waiting {reason}", *latest_events(stuck, 2)],
                                      [*([kubectl("get", missing.group(1).lower(), namespace=ns)] if missing else []),
                                       events_cmd("Pod", name, ns)])
            elif terminated and terminated.get("reason") == "OOMKilled":
                yield _oom(ns, name, parent, cname, label, spec, restarts, terminated, finding)
            elif last.get("reason") == "OOMKilled" and restarts:
                yield _oom(ns, name, parent, cname, label, spec, restarts, last, finding,
                           severity=Severity.WARNING)


def _oom(ns: str, name: str, parent: str | None, cname: str, label: str,
         spec: Mapping[str, Any], restarts: int, term: Mapping[str, Any], finding: FindingFn,
         severity: Severity = Severity.CRITICAL) -> Finding:
    limit = ((spec.get("resources") or {}).get("limits") or {}).get("memory")
    more = []
    if parent and limit:
        kind, _, pname = parent.partition("/")
        if kind in ("Deployment", "StatefulSet", "DaemonSet"):
            more.append(kubectl("set", "resources", f"{RESOURCE[kind]}/{pname}", "-c", cname,
                                f"--limits=memory={_double(str(limit))}", namespace=ns))
    return finding(severity, "OOMKilled",
                   f"The {label} was killed for exceeding its memory limit ({limit or 'no limit set'}); "
                   f"{restarts} restarts.",
                   [f"{label}: terminated OOMKilled, exit code {term.get('exitCode', 137)}",
                    f"resources.limits.memory: {limit or 'unset'}"],
                   [kubectl("logs", name, "-c", cname, "--previous", namespace=ns), *more])


def _liveness(name: str, ns: str, cname: str, label: str, spec: Mapping[str, Any], restarts: int,
              killed: list[dict[str, Any]], finding: FindingFn) -> Finding:
    probe = spec.get("livenessProbe") or {}
    action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}
    port = action.get("port")
    declared = list(spec.get("ports") or ())
    known = {str(p.get("containerPort")) for p in declared} | {str(p.get("name")) for p in declared if p.get("name")}
    # Declaring ports is optional; only a declared list without the probed port says the probe is wrong.
    wrong_port = port is not None and declared and str(port) not in known
    detail = (f"; it probes port {port}, which the container does not declare "
              f"(it declares {', '.join(str(p.get('containerPort')) for p in declared)})" if wrong_port else "")
    evidence = [*latest_events(killed, 1),
                *([f"livenessProbe: {', '.join(f'{k}={v}' for k, v in action.items())}"] if action else []),
                *([f"container ports: {', '.join(sorted(known))}"] if declared else [])]
    return finding(Severity.CRITICAL, "LivenessProbeFailed",
                   f"The {label} is killed by its failing liveness probe and is in a restart back-off "
                   f"({restarts} restarts){detail}.", evidence,
                   [kubectl("logs", name, "-c", cname, "--previous", namespace=ns)])


def _double(quantity: str) -> str:
    m = re.fullmatch(r"(\d+)([A-Za-z]*)", quantity)
    return f"{int(m.group(1)) * 2}{m.group(2)}" if m else quantity


def _config_error(ns: str, label: str, wmsg: str, finding: FindingFn) -> Finding:
    evidence = [f"{label}: waiting CreateContainerConfigError: {wmsg}".rstrip(": ")]
    more: list[str] = []
    key = _MISSING_KEY.search(wmsg)
    ref = _MISSING_REF.search(wmsg)
    if key:
        kind = key.group(2).lower()
        what = f"key {key.group(1)} is missing from {key.group(2)} {key.group(4)}"
        more.append(kubectl("describe", kind, key.group(4), namespace=key.group(3)))
    elif ref:
        kind = ref.group(1).lower()
        what = f"{kind} {ref.group(2)} does not exist"
        more.append(kubectl("get", kind, namespace=ns))
    else:
        what = first_sentence(wmsg or "a referenced ConfigMap or Secret is missing", 200)
    return finding(Severity.CRITICAL, "CreateContainerConfigError",
                   f"The {label} cannot be created because {what}.", evidence, more)
