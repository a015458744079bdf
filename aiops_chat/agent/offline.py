"""The offline planner: the requests people actually type, turned into exact commands without a model.

It understands scale, logs (tail, previous, container), restart, rollback, rollout status, image update,
get/describe/list of any kind (one namespace or all), events, top, helm list/history/status/uninstall/
rollback, and "why is X not ready / crashing / what is broken" (which runs the analyzers). Commands are
built with the same typed tool functions the model uses, so both paths propose identical argv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiops_chat.tools import helm_tools, kubectl_tools
from aiops_chat.tools.base import ToolArgumentError

# Words for kinds, to the name kubectl knows them by.
KINDS: dict[str, str] = {}
for _name, _words in {
    "pods": "pod pods po",
    "deployments": "deployment deployments deploy deploys",
    "services": "service services svc",
    "nodes": "node nodes",
    "statefulsets": "statefulset statefulsets sts",
    "daemonsets": "daemonset daemonsets ds",
    "replicasets": "replicaset replicasets rs",
    "jobs": "job jobs",
    "cronjobs": "cronjob cronjobs cj",
    "configmaps": "configmap configmaps cm",
    "secrets": "secret secrets",
    "ingresses": "ingress ingresses ing",
    "persistentvolumeclaims": "pvc pvcs persistentvolumeclaim persistentvolumeclaims",
    "persistentvolumes": "pv pvs persistentvolume persistentvolumes",
    "namespaces": "namespaces",
    "events": "event events ev",
    "horizontalpodautoscalers": "hpa hpas horizontalpodautoscaler horizontalpodautoscalers autoscaler autoscalers",
    "endpoints": "endpoint endpoints ep",
    "serviceaccounts": "serviceaccount serviceaccounts sa",
    "storageclasses": "storageclass storageclasses sc",
    "networkpolicies": "networkpolicy networkpolicies netpol",
    "poddisruptionbudgets": "pdb pdbs poddisruptionbudget poddisruptionbudgets",
    "roles": "role roles",
    "rolebindings": "rolebinding rolebindings",
    "all": "everything",
}.items():
    for _w in _words.split():
        KINDS[_w] = _name
WORKLOADS = {"deployments": "deployment", "statefulsets": "statefulset", "daemonsets": "daemonset",
             "replicasets": "replicaset"}

_NAME = r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?"
_NAME_RE = re.compile(rf"^{_NAME}$")
# A ReplicaSet pod (web-5d4f8b7c9-x2x7z) or a bare pod suffix: logs and describe then target the pod.
_POD_NAME_RE = re.compile(r"^.+-[a-z0-9]{6,10}-[a-z0-9]{5}$")
# A word list reads better as text than as a 150-item literal.
_STOP = frozenset("""
a an the to of for in on from at by with and or me my our us please can could you would will should is are
was were be been am do does did it its this that these those there here what which who why how when where
show get list display give tell find see check print fetch describe explain logs log scale restart bounce
redeploy rollback roll back undo revert rollout status history image images set update change upgrade
container containers replicas replica tail last lines line previous crashed crash crashing before events
event top cpu memory usage use resource resources helm release releases uninstall remove delete
namespace ns all every cluster wide not ready failing broken wrong healthy unhealthy pending error errors
issue issues problem problems diagnose health going on happening up running run new version revision
current state many much now just also again is down working work doesn t isn up s o kubectl yaml json wide
named called ready whole entire my
""".split())  # noqa: SIM905
_WRITE_WORDS = re.compile(
    r"\b(delete|remove|uninstall|scale|restart|bounce|redeploy|roll\s*back|rollback|undo|revert|install|"
    r"upgrade|apply|create|patch|edit|set|update|change|drain|cordon|uncordon|taint|label|annotate|expose|"
    r"run|exec|kill|stop|start|deploy)\b")


# Imperatives no rule here carries out: a request holding one must not be answered with a mere read
# ("delete the failed pods" is not "list pods").
_UNHANDLED_WRITES = re.compile(
    r"\b(delete|remove|kill|drain|cordon|uncordon|taint|patch|edit|apply|create|install|exec|annotate|label|"
    r"expose|evict|purge|wipe|destroy)\b")


@dataclass(frozen=True)
class Step:
    tool: str  # the registry tool whose function built it (also the name shown in the plan)
    argv: tuple[str, ...]  # for analyze_cluster: the preview argv


@dataclass(frozen=True)
class OfflinePlan:
    intent: str  # how the planner read the request, for the user
    steps: tuple[Step, ...]
    read_only: bool
    analyze: dict[str, object] | None = None  # arguments for analyze_cluster, when the request is a diagnosis
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Parsed:
    text: str
    namespace: str = ""
    all_namespaces: bool = False
    kind: str = ""  # kubectl plural, when the request named one
    names: list[str] = field(default_factory=list)


def looks_like_write(text: str) -> bool:
    return bool(_WRITE_WORDS.search(text.lower()))


def plan_request(text: str) -> OfflinePlan | None:
    """The plan for a request, or None when the planner does not understand it."""
    p = _parse(text)
    t = p.text
    try:
        for rule in _RULES:
            plan = rule(p, t)
            if plan is not None:
                if plan.read_only and _UNHANDLED_WRITES.search(t):
                    return None
                return plan
    except ToolArgumentError:
        return None
    return None


# -- parsing ---------------------------------------------------------------------------------------------


def _parse(text: str) -> _Parsed:
    t = " " + text.strip().lower().replace("’", "'") + " "
    p = _Parsed(text=t)
    ns_patterns = (
        rf"\s(?:-n|--namespace)[= ]({_NAME})(?=\s)",
        rf"\s(?:in|from|on|of)\s+(?:the\s+)?(?:namespace|ns)\s+({_NAME})(?=[\s?.!,])",
        rf"\s(?:in|from|on|of)\s+(?:the\s+)?({_NAME})\s+(?:namespace|ns)(?=[\s?.!,])",
    )
    if re.search(r"\s-a\s|\s--all-namespaces\s|\b(?:all|every|across)\s+(?:the\s+)?namespaces\b|\bcluster[- ]wide\b"
                 r"|\bin\s+(?:the\s+|my\s+)?(?:whole\s+|entire\s+)?cluster\b", t):
        p.all_namespaces = True
    for pattern in ns_patterns:
        m = re.search(pattern, t)
        if m:
            p.namespace = m.group(1)
            t = t[: m.start()] + " " + t[m.end():]
            break
    t = re.sub(r"\s(?:-a|--all-namespaces)\s", " ", t)
    p.text = t
    words = re.findall(r"[a-z0-9][a-z0-9._/:@-]*", t)
    for i, w in enumerate(words):
        if w in KINDS and not p.kind and not (w == "all" or (w == "no" and i == 0)):
            p.kind = KINDS[w]
        elif "/" in w and w.split("/", 1)[0] in KINDS and not p.kind:
            kind, name = w.split("/", 1)
            p.kind = KINDS[kind]
            if _NAME_RE.match(name):
                p.names.append(name)
    for w in words:
        w = w.rstrip(".,?!:")
        if w in _STOP or w in KINDS or len(w) < 2 or not _NAME_RE.match(w) or w in p.names:
            continue
        if re.match(r"^\d+[a-z]*$", w):  # 100m, 2x, 50
            continue
        p.names.append(w)
    return p


def _number(pattern: str, t: str) -> int | None:
    m = re.search(pattern, t)
    return int(m.group(1)) if m else None


def _ns(p: _Parsed) -> dict[str, object]:
    return {"namespace": p.namespace} if p.namespace else {}


def _workload(p: _Parsed, name: str) -> str:
    return f"{WORKLOADS.get(p.kind, 'deployment')}/{name}"


def _first_name(p: _Parsed, *, exclude: tuple[str, ...] = ()) -> str | None:
    return next((n for n in p.names if n not in exclude), None)


# -- rules, tried in order ---------------------------------------------------------------------------------


def _helm(p: _Parsed, t: str) -> OfflinePlan | None:
    if not re.search(r"\bhelm\b|\breleases?\b|\bcharts?\b", t):
        return None
    name = _first_name(p, exclude=("chart", "charts"))
    ns = _ns(p)
    if re.search(r"\b(?:uninstall|delete|remove)\b", t) and name:
        argv = helm_tools.helm_release("uninstall", release=name, **ns)  # type: ignore[arg-type]
        return OfflinePlan(f"uninstall the helm release {name}", (Step("helm_release", tuple(argv)),), False)
    if re.search(r"\b(?:roll\s*back|rollback|undo|revert)\b", t) and name:
        revision = _number(r"\brevision\s+(\d+)\b", t) or _number(r"\bto\s+(\d+)\b", t) or 0
        argv = helm_tools.helm_release("rollback", release=name, revision=revision, **ns)  # type: ignore[arg-type]
        what = f"revision {revision}" if revision else "the previous revision"
        return OfflinePlan(f"roll back the helm release {name} to {what}", (Step("helm_release", tuple(argv)),),
                           False)
    if re.search(r"\bhistory\b", t) and name:
        argv = helm_tools.helm_release("history", release=name, **ns)  # type: ignore[arg-type]
        return OfflinePlan(f"show the history of the helm release {name}", (Step("helm_release", tuple(argv)),),
                           True)
    if re.search(r"\bstatus\b", t) and name:
        argv = helm_tools.helm_release("status", release=name, **ns)  # type: ignore[arg-type]
        return OfflinePlan(f"show the status of the helm release {name}", (Step("helm_release", tuple(argv)),),
                           True)
    if re.search(r"\b(?:list|show|get|which|what|ls)\b", t) or t.strip() in ("helm", "releases"):
        argv = helm_tools.helm_release("list", namespace=p.namespace, all_namespaces=p.all_namespaces)
        where = "in all namespaces" if p.all_namespaces else "here"
        return OfflinePlan(f"list the helm releases {where}", (Step("helm_release", tuple(argv)),), True)
    return None


def _diagnose(p: _Parsed, t: str) -> OfflinePlan | None:
    if not re.search(r"\bwhy\b|\bnot\s+ready\b|\bcrash|\bbroken\b|\bfailing\b|\bfails?\b|\bwrong\b|\bdiagnos"
                     r"|\bunhealthy\b|\bhealth\b|\bpending\b|\bdown\b|\bnot\s+working\b|\bproblems?\b|\bissues?\b"
                     r"|\bwhat'?s\s+(?:going\s+on|up)\b|\btroubleshoot\b|\banaly[sz]e\b", t):
        return None
    name = _first_name(p)
    steps: list[Step] = [Step("analyze_cluster", tuple(
        _analysis_preview(p.namespace, p.all_namespaces)))]
    if name:
        kind = p.kind if p.kind and p.kind != "all" else ("pods" if _POD_NAME_RE.match(name) else "deployments")
        steps.append(Step("describe", tuple(kubectl_tools.describe(kind, name, namespace=p.namespace))))
        steps.append(Step("events", tuple(kubectl_tools.events(name=name, namespace=p.namespace))))
    subject = name or ("the cluster" if p.all_namespaces else "the namespace")
    return OfflinePlan(f"diagnose {subject}", tuple(steps), True,
                       analyze={"namespace": p.namespace, "all_namespaces": p.all_namespaces})


def _logs(p: _Parsed, t: str) -> OfflinePlan | None:
    if not re.search(r"\blogs?\b", t):
        return None
    container = None
    m = re.search(rf"\b(?:container|-c)\s+({_NAME})\b", t)
    if m:
        container = m.group(1)
    name = _first_name(p, exclude=(container,) if container else ())
    if not name:
        return None
    tail = _number(r"\b(?:last|tail|latest)\s+(\d+)\b", t) or _number(r"--tail[= ](\d+)", t) or \
        _number(r"\b(\d+)\s+lines?\b", t) or 200
    previous = bool(re.search(r"\bprevious\b|\bcrashed\b|\bbefore\s+(?:the\s+)?(?:crash|restart)|\blast\s+run\b"
                              r"|\bprior\b|--previous|\s-p\s", t))
    target = name if p.kind == "pods" or _POD_NAME_RE.match(name) else _workload(p, name)
    argv = kubectl_tools.logs(target, container=container or "", tail=tail, previous=previous, namespace=p.namespace)
    what = f"the last {tail} log lines of {target}" + (f" (container {container})" if container else "") + \
        (" from the previous, crashed container" if previous else "")
    return OfflinePlan(f"show {what}", (Step("logs", tuple(argv)),), True)


def _scale(p: _Parsed, t: str) -> OfflinePlan | None:
    if not re.search(r"\bscale\b|\breplicas?\b", t):
        return None
    replicas = _number(r"\b(?:to|=)\s*(\d+)\b", t)
    if replicas is None:
        replicas = _number(r"\b(\d+)\s+(?:replicas?|pods|instances|copies)\b", t)
    if replicas is None:
        replicas = 0 if re.search(r"\b(?:to\s+)?zero\b|\bdown\s+to\s+0\b", t) else None
    name = _first_name(p, exclude=("zero",))
    if replicas is None or not name:
        return None
    target = _workload(p, name)
    argv = kubectl_tools.scale(target, replicas, namespace=p.namespace)
    return OfflinePlan(f"scale {target} to {replicas} replicas", (Step("scale", tuple(argv)),), False)


def _image(p: _Parsed, t: str) -> OfflinePlan | None:
    m = re.search(r"\s([a-z0-9][a-z0-9._/-]*(?::[a-z0-9][\w.-]*|@sha256:[a-f0-9]{64}))(?=[\s?.!,])", t)
    if not m or not re.search(r"\b(?:image|set|update|change|upgrade|use|deploy|switch|bump)\b", t):
        return None
    image = m.group(1)
    c = re.search(rf"\bcontainer\s+({_NAME})\b", t)
    container = c.group(1) if c else "*"
    name = _first_name(p, exclude=tuple(x for x in (container, image, image.split(":")[0]) if x))
    if not name:
        return None
    target = _workload(p, name)
    argv = kubectl_tools.set_image(target, container, image, namespace=p.namespace)
    which = "every container" if container == "*" else f"container {container}"
    return OfflinePlan(f"set the image of {which} in {target} to {image}", (Step("set_image", tuple(argv)),), False)


def _rollout(p: _Parsed, t: str) -> OfflinePlan | None:
    name = _first_name(p)
    if not name:
        return None
    target = _workload(p, name)
    if re.search(r"\b(?:restart|bounce|redeploy|recreate)\b", t):
        argv = kubectl_tools.rollout("restart", target, namespace=p.namespace)
        return OfflinePlan(f"restart {target} (rolling)", (Step("rollout", tuple(argv)),), False)
    if re.search(r"\b(?:roll\s*back|rollback|undo|revert)\b", t):
        revision = _number(r"\brevision\s+(\d+)\b", t) or _number(r"\bto\s+(\d+)\b", t) or 0
        argv = kubectl_tools.rollout("undo", target, revision=revision, namespace=p.namespace)
        what = f"revision {revision}" if revision else "the previous revision"
        return OfflinePlan(f"roll back {target} to {what}", (Step("rollout", tuple(argv)),), False)
    if re.search(r"\brollout\b.*\bhistory\b|\bhistory\b", t):
        argv = kubectl_tools.rollout("history", target, namespace=p.namespace)
        return OfflinePlan(f"show the rollout history of {target}", (Step("rollout", tuple(argv)),), True)
    if re.search(r"\brollout\b|\brolled\s+out\b|\bdeployed\b|\bfinished\s+deploying\b", t):
        argv = kubectl_tools.rollout("status", target, namespace=p.namespace)
        return OfflinePlan(f"show the rollout status of {target}", (Step("rollout", tuple(argv)),), True)
    return None


def _events(p: _Parsed, t: str) -> OfflinePlan | None:
    if p.kind != "events":
        return None
    name = _first_name(p)
    argv = kubectl_tools.events(name=name or "", namespace=p.namespace, all_namespaces=p.all_namespaces)
    return OfflinePlan("show recent events" + (f" about {name}" if name else ""), (Step("events", tuple(argv)),), True)


def _top(p: _Parsed, t: str) -> OfflinePlan | None:
    if not re.search(r"\btop\b|\bcpu\b|\bmemory\b|\busage\b|\bresource\s+use\b|\bconsum", t):
        return None
    kind = "nodes" if p.kind == "nodes" else "pods"
    argv = kubectl_tools.top(kind, namespace=p.namespace)  # type: ignore[arg-type]
    return OfflinePlan(f"show CPU and memory use of {kind}", (Step("top", tuple(argv)),), True)


def _describe(p: _Parsed, t: str) -> OfflinePlan | None:
    if not re.search(r"\bdescribe\b|\bdetails?\s+(?:of|about|for)\b", t):
        return None
    name = _first_name(p)
    if not name:
        return None
    kind = p.kind if p.kind and p.kind != "all" else ("pods" if _POD_NAME_RE.match(name) else "deployments")
    argv = kubectl_tools.describe(kind, name, namespace=p.namespace)
    return OfflinePlan(f"describe {kind} {name}", (Step("describe", tuple(argv)),), True)


def _get(p: _Parsed, t: str) -> OfflinePlan | None:
    if not p.kind:
        return None
    name = _first_name(p) if p.kind != "all" else None
    wide = bool(re.search(r"\bwide\b|\bips?\b|\bnodes?\b.*\bpods?\b|\bwhere\b", t)) and p.kind == "pods"
    yaml = bool(re.search(r"\byaml\b", t))
    output = "yaml" if yaml else ("wide" if wide else None)
    argv = kubectl_tools.get(p.kind, name=name or "", namespace=p.namespace, all_namespaces=p.all_namespaces,
                             output=output)  # type: ignore[arg-type]
    where = " in all namespaces" if p.all_namespaces else (f" in namespace {p.namespace}" if p.namespace else "")
    return OfflinePlan(f"list {p.kind}{' named ' + name if name else ''}{where}", (Step("get", tuple(argv)),), True)


def _analysis_preview(namespace: str, all_namespaces: bool) -> list[str]:
    from aiops_chat.tools.analysis_tools import analyze_preview

    return analyze_preview(namespace, all_namespaces)


# Order matters: helm before rollback (a release rolls back with helm), logs before diagnosis ("logs of the
# crashed pod" wants logs), writes before reads.
_RULES = (_helm, _logs, _scale, _image, _rollout, _diagnose, _events, _top, _describe, _get)
