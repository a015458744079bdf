"""The offline planner: the requests people actually type, turned into exact commands without a model.

It understands scale, logs (tail, previous, container), restart, rollback, rollout status, image update,
get/describe/list of any kind (one namespace or all), events, top, helm list/history/status/uninstall/
rollback, and "why is X not ready / crashing / what is broken" (which runs the analyzers). Commands are
built with the same typed tool functions the model uses, so both paths propose identical argv.

Nobody picks this planner knowingly (it answers whenever the model is down or not configured), so it reads
requests the safe way round: a question or a negation never plans a write (request_text), and a write comes
only from an imperative clause a small grammar reads completely (offline_writes). Questions about a change
are answered with reads about the object they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from aiops_chat.agent import attachments, request_text
from aiops_chat.agent.offline_writes import WORKLOADS, orders_a_change, plan_write
from aiops_chat.agent.request_text import NAME
from aiops_chat.tools import helm_tools, kubectl_tools
from aiops_chat.tools.base import ToolArgumentError

# Words that mention a change; a request holding one is never handed to a read-only helper (kubectl-ai).
_WRITE_WORDS = re.compile(
    r"\b(delete|remove|uninstall|scale|restart|bounce|redeploy|roll\s*back|rollback|undo|revert|install|"
    r"upgrade|apply|create|patch|edit|set|update|change|drain|cordon|uncordon|taint|label|annotate|expose|"
    r"run|exec|kill|stop|start|deploy)\b")
# A question that mentions one of these is answered by describing the object it is about.
_CHANGE_WORDS = re.compile(r"\b(?:scale[ds]?|scaling|replicas?|restart(?:ed|s|ing)?|bounce[ds]?|redeploy(?:ed)?|"
                           r"roll(?:ed)?\s*back|rollback|undo|revert(?:ed)?|images?|update[ds]?|upgrade[ds]?|"
                           r"version|uninstall(?:ed|ing)?|delet(?:e|ed|ing)|remov(?:e|ed|ing))\b")
_ROLLBACK_WORDS = re.compile(r"\b(?:roll(?:ed|ing)?\s*back|rollback|undo|revert(?:ed|ing)?)\b")
# A ReplicaSet pod (web-5d4f8b7c9-x2x7z) or a bare pod suffix: logs and describe then target the pod.
_POD_NAME_RE = re.compile(r"^.+-[a-z0-9]{6,10}-[a-z0-9]{5}$")
_POLITE_ASK = re.compile(r"^(?:can|could|would|will)\s+(?:you|we|i)\s+(?:please\s+)?")


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
    """What the read rules see: the request's non-negated clauses, and what the whole request names."""

    text: str
    namespace: str = ""
    all_namespaces: bool = False
    kind: str = ""  # kubectl plural, when the request named one
    names: list[str] = field(default_factory=list)
    question: bool = False


def looks_like_write(text: str) -> bool:
    return bool(_WRITE_WORDS.search(text.lower()))


def is_question(text: str) -> bool:
    """Whether a request asks rather than orders (attached text aside); a question never plans a write."""
    return request_text.is_question(attachments.split(text)[0])


def plan_request(text: str) -> OfflinePlan | None:
    """The plan for a request, or None when the planner does not understand it.

    A write comes only from one imperative clause that a write grammar reads entirely, in a request that
    is not a question and names at most one namespace; everything else is answered with reads or not at
    all. Text attached to the question (piped logs, --file) is never read: it is data, not the request.
    """
    question, attached = attachments.split(text)
    req = request_text.read_request(question)
    try:
        if not req.question:
            ordered, write = _write_plan(req)
            if ordered:
                return write
        plan = _read_plan(req)
    except ToolArgumentError:
        return None
    if plan is not None and req.question and (_CHANGE_WORDS.search(req.text) or looks_like_write(req.text)):
        plan = _noting_a_question(plan, req)
    if plan is not None and attached:
        plan = replace(plan, intent=plan.intent + " (the attached text is for a language model: without one, "
                                                  "only your question is read)")
    return plan


def _write_plan(req: request_text.Request) -> tuple[bool, OfflinePlan | None]:
    """(whether the request orders a change, the plan for it). The plan is None when the change cannot be
    read unambiguously; a request that orders nothing is answered by the read rules instead."""
    ordering = [c for c in req.positive_clauses() if orders_a_change(c)]
    if not ordering:
        return False, None
    if len(ordering) > 1 or len(req.namespaces) > 1:
        return True, None  # one change at a time, in one place
    clause = ordering[0]
    write = plan_write(clause, namespace=req.namespace, referent=_referent(req, clause))
    if write is None:
        return True, None
    return True, OfflinePlan(write.intent, (Step(write.tool, write.argv),), False)


def _referent(req: request_text.Request, clause: str) -> str | None:
    """What "it" in `clause` stands for: the one object the rest of the request names, if exactly one."""
    others = [n for n in req.names if n not in request_text.names_in(clause)]
    return others[0] if len(others) == 1 else None


def _read_plan(req: request_text.Request) -> OfflinePlan | None:
    positive = " " + " ".join(req.positive_clauses()) + " "
    # Names said in the clauses that stand first: "don't restart web, just show its logs" reads web's logs.
    names = request_text.names_in(positive)
    names += [n for n in req.names if n not in names]
    p = _Parsed(positive, req.namespace, req.all_namespaces, req.kind, names, req.question)
    for rule in _RULES:
        plan = rule(p, positive)
        if plan is not None:
            return plan
    return None


def _noting_a_question(plan: OfflinePlan, req: request_text.Request) -> OfflinePlan:
    """Say that nothing was changed, and for a polite request ("can you restart web?") the words that would."""
    note = "a question, so nothing is changed"
    for clause in req.clauses:
        asked = _POLITE_ASK.sub("", request_text.strip_lead_in(clause))
        if asked != request_text.strip_lead_in(clause) and orders_a_change(asked):
            write = plan_write(asked, namespace=req.namespace, referent=_referent(req, clause))
            if write is not None:
                note += f"; to make the change, ask for it directly: \"{write.phrase}\""
                break
    return replace(plan, intent=f"{plan.intent} ({note})", notes=(*plan.notes, note))


# -- helpers for the read rules ------------------------------------------------------------------------


def _number(pattern: str, t: str) -> int | None:
    m = re.search(pattern, t)
    return int(m.group(1)) if m else None


def _ns(p: _Parsed) -> dict[str, object]:
    return {"namespace": p.namespace} if p.namespace else {}


def _workload(p: _Parsed, name: str) -> str:
    return f"{WORKLOADS.get(p.kind, 'deployment')}/{name}"


def _first_name(p: _Parsed, *, exclude: tuple[str, ...] = ()) -> str | None:
    return next((n for n in p.names if n not in exclude), None)


def _object_kind(p: _Parsed, name: str) -> str:
    return p.kind if p.kind and p.kind not in ("all", "events") else (
        "pods" if _POD_NAME_RE.match(name) else "deployments")


# -- read rules, tried in order -----------------------------------------------------------------------


def _helm(p: _Parsed, t: str) -> OfflinePlan | None:
    if not re.search(r"\bhelm\b|\breleases?\b|\bcharts?\b", t):
        return None
    name = _first_name(p, exclude=("chart", "charts"))
    ns = _ns(p)
    if (re.search(r"\bhistory\b", t) or (p.question and _ROLLBACK_WORDS.search(t))) and name:
        argv = helm_tools.helm_release("history", release=name, **ns)  # type: ignore[arg-type]
        return OfflinePlan(f"show the history of the helm release {name}", (Step("helm_release", tuple(argv)),),
                           True)
    if (re.search(r"\bstatus\b", t) or (p.question and _CHANGE_WORDS.search(t))) and name:
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
                     r"|\bunhealthy\b|\bhealth(?:y)?\b|\bwhat\s+happened\b|\bpending\b|\bdown\b|\bnot\s+working\b|\bproblems?\b|\bissues?\b"
                     r"|\bwhat\s+is\s+(?:going\s+on|up|happening)\b|\btroubleshoot\b|\banaly[sz]e\b|\broot\s+cause\b", t):
        return None
    name = _first_name(p)
    steps: list[Step] = [Step("analyze_cluster", tuple(
        _analysis_preview(p.namespace, p.all_namespaces)))]
    if name:
        kind = _object_kind(p, name)
        steps.append(Step("describe", tuple(kubectl_tools.describe(kind, name, namespace=p.namespace))))
        steps.append(Step("events", tuple(kubectl_tools.events(name=name, namespace=p.namespace))))
    subject = name or ("the cluster" if p.all_namespaces else "the namespace")
    return OfflinePlan(f"diagnose {subject}", tuple(steps), True,
                       analyze={"namespace": p.namespace, "all_namespaces": p.all_namespaces})


def _logs(p: _Parsed, t: str) -> OfflinePlan | None:
    if not re.search(r"\blogs?\b", t):
        return None
    container = None
    m = re.search(rf"\b(?:container|-c)\s+({NAME})\b", t)
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


def _rollout(p: _Parsed, t: str) -> OfflinePlan | None:
    name = _first_name(p)
    if not name:
        return None
    target = _workload(p, name)
    # "what happens if I roll back web?": the history shows what a rollback would go back to.
    if re.search(r"\bhistory\b", t) or (p.question and _ROLLBACK_WORDS.search(t)):
        argv = kubectl_tools.rollout("history", target, namespace=p.namespace)
        return OfflinePlan(f"show the rollout history of {target}", (Step("rollout", tuple(argv)),), True)
    if re.search(r"\brollout\b|\brolled\s+out\b|\bdeployed\b|\bfinished\s+deploying\b", t):
        argv = kubectl_tools.rollout("status", target, namespace=p.namespace)
        return OfflinePlan(f"show the rollout status of {target}", (Step("rollout", tuple(argv)),), True)
    return None


def _about_change(p: _Parsed, t: str) -> OfflinePlan | None:
    """A question about a change ("is 2 replicas enough for web?", "should I restart web?"): the object's
    description (replicas, image, strategy, recent events) is what answers it without a model."""
    if not p.question or not _CHANGE_WORDS.search(t):
        return None
    return _describe_named(p)


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
    return _describe_named(p)


def _describe_named(p: _Parsed) -> OfflinePlan | None:
    name = _first_name(p)
    if not name:
        return None
    kind = _object_kind(p, name)
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


# Order matters: helm before rollouts (a release's history is helm's), logs before diagnosis ("logs of the
# crashed pod" wants logs), a diagnosis before a question about a change ("why did web scale?").
_RULES = (_helm, _logs, _diagnose, _rollout, _about_change, _events, _top, _describe, _get)
