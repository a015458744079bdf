"""The changes the offline planner makes, each from a small grammar that must read the whole clause.

A write is planned only from an imperative clause that one of these grammars consumes entirely, from the
verb to the end: "scale web to 3", "restart deployment web", "roll back web to revision 2", "set the image
of web to nginx:1.27", "uninstall release web". Anything more ("restart web if it is stuck", "scale web to
3 for the sale") is not unambiguous and plans no write. The caller decides first whether the request is a
question or negated (request_text); this module only reads one clause that orders something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiops_chat import kinds
from aiops_chat.agent.request_text import KINDS, NAME, NAME_RE, STOP_WORDS, strip_lead_in
from aiops_chat.tools import helm_tools, kubectl_tools

# Kinds whose replicas, image and rollout a write may change: plural -> singular, for `kind/name`.
WORKLOADS = {p: kinds.by_plural(p).singular for p in ("deployments", "statefulsets", "daemonsets", "replicasets")}
WORKLOAD_WORDS = {w: k for w, k in KINDS.items() if k in WORKLOADS}
PRONOUNS = frozenset({"it", "them", "that", "this"})
IMAGE = r"[a-z0-9][a-z0-9._/-]*(?::[a-z0-9][\w.-]*|@sha256:[a-f0-9]{64})"
_KIND_ALT = "|".join(sorted(WORKLOAD_WORDS, key=len, reverse=True))
_COUNT_NOUN = r"(?:replicas?|pods?|instances?|copies|copy)"
# Allowed after a complete command: politeness, and a reason (it does not change the command).
_TRAILER = re.compile(r"^(?:(?:please|now|right\s+now|thanks|thank\s+you|asap|immediately|for\s+me)\s*)*"
                      r"(?:(?:because|since|so\s+that|so\s+(?:it|they)|as\s+it)\b"
                      r"(?!.*\b(?:if|unless|when|whenever|once|until|after|before|in\s+case)\b).*)?$")
# Verbs that order a change. A clause opening with one that no grammar reads is not understood, rather
# than answered with some read ("delete the failed pods" is not "list pods").
WRITE_HEAD = re.compile(
    r"^(?:kubectl\s+|helm\s+)?(?:scale|restart|bounce|redeploy|recreate|roll|rollback|rollout\s+(?:restart|undo)|"
    r"undo|revert|uninstall|delete|remove|kill|drain|cordon|uncordon|taint|patch|edit|apply|create|install|"
    r"exec|annotate|label|expose|evict|purge|wipe|destroy|set|increase|decrease|reduce|bump|raise|lower|"
    r"upgrade|switch|update|change|run\s+\d|use\s+\S+:|do\s+a\s+rolling|perform|trigger)\b")


@dataclass(frozen=True)
class Write:
    tool: str
    argv: tuple[str, ...]
    intent: str  # how it was read, for the person
    phrase: str  # the request that plans exactly this write again, to suggest to someone who asked


class _Cursor:
    """The rest of a clause, consumed from the left a phrase at a time."""

    def __init__(self, text: str) -> None:
        self.s = text.strip()

    def take(self, pattern: str) -> re.Match[str] | None:
        m = re.match(rf"(?:{pattern})(?=\s|$)", self.s)
        if m:
            self.s = self.s[m.end():].strip()
        return m

    def done(self) -> bool:
        return bool(_TRAILER.match(self.s))


def plan_write(clause: str, *, namespace: str = "", referent: str | None = None) -> Write | None:
    """The write an imperative clause orders, or None when no grammar reads all of it.

    `referent` is what "it"/"them" stands for (the one object the rest of the request names), if anything.
    """
    text = strip_lead_in(clause)
    if re.match(r"helm\s+(?:uninstall|delete|rollback)\s", text):  # helm's own words: the release is bare
        text = re.sub(r"^helm\s+(\w+)\s+(?!release\b)", r"\1 release ", text)
    text = re.sub(r"^kubectl\s+(?=(?:scale|rollout|set)\b)", "", text)
    for grammar in (_scale, _restart, _rollback, _image, _helm):
        found = grammar(_Cursor(text), namespace, referent)
        if found is not None:
            return found
    return None


def orders_a_change(clause: str) -> bool:
    return bool(WRITE_HEAD.match(strip_lead_in(clause)))


# -- pieces ----------------------------------------------------------------------------------------------


def _name(word: str) -> bool:
    return bool(NAME_RE.match(word)) and word not in STOP_WORDS and word not in KINDS \
        and not re.match(r"^\d+[a-z]*$", word)


def _target(c: _Cursor, referent: str | None) -> str | None:
    """`[the] [kind] name [kind]`, `kind/name`, or a pronoun with a known referent, as `kind/name`."""
    c.take(r"the|my|our")
    m = c.take(rf"({_KIND_ALT})/({NAME})")
    if m:
        return f"{WORKLOADS[WORKLOAD_WORDS[m.group(1)]]}/{m.group(2)}" if _name(m.group(2)) else None
    kind = c.take(rf"({_KIND_ALT})")
    m = c.take(rf"({NAME})")
    if not m:
        return None
    word = m.group(1)
    if word in PRONOUNS and kind is None:
        if referent is None:
            return None
        word = referent
    elif not _name(word):
        return None
    if kind is None:
        kind = c.take(rf"({_KIND_ALT})")
    plural = WORKLOAD_WORDS[kind.group(1)] if kind else "deployments"
    return f"{WORKLOADS[plural]}/{word}"


def _count(c: _Cursor) -> tuple[int | None, bool]:
    """The replica count ("to 3", "to zero", "3 replicas"), and whether a noun said what it counts."""
    m = c.take(r"(?:to\s+|=\s*)?(\d+)|(?:to\s+)?(zero)")
    if not m:
        return None, False
    noun = c.take(_COUNT_NOUN) is not None
    return (0 if m.group(2) else int(m.group(1))), noun


def _revision(c: _Cursor) -> int | None:
    """0 for "the previous one" (or nothing said), N for a revision; None when the rest is not a revision."""
    if c.done():
        return 0
    m = c.take(r"(?:to\s+)?(?:the\s+)?(?:previous|last|prior|earlier|old)(?:\s+(?:revision|version|one|release))?")
    if m:
        return 0
    m = c.take(r"(?:to\s+)?(?:revision|version|rev)?\s*(\d+)|--to-revision(?:=|\s+)(\d+)")
    if m:
        return int(m.group(1) or m.group(2))
    return None


def _ns(namespace: str) -> dict[str, str]:
    return {"namespace": namespace} if namespace else {}


def _where(namespace: str) -> str:
    return f" in namespace {namespace}" if namespace else ""


# -- grammars --------------------------------------------------------------------------------------------


def _scale(c: _Cursor, namespace: str, referent: str | None) -> Write | None:
    target: str | None = None
    replicas: int | None = None
    if c.take(r"scale"):
        c.take(r"up|down")
        flag = c.take(r"--replicas(?:=|\s+)(\d+)")
        target = _target(c, referent)
        c.take(r"up|down")
        c.take(r"replicas?")
        if flag:
            replicas = int(flag.group(1))
        else:
            flag = c.take(r"--replicas(?:=|\s+)(\d+)")
            replicas = int(flag.group(1)) if flag else _count(c)[0]
    elif c.take(r"run"):
        m = c.take(rf"(\d+)\s+{_COUNT_NOUN}\s+of")
        if not m:
            return None
        replicas, target = int(m.group(1)), _target(c, referent)
    elif c.take(r"set|change|update|increase|decrease|reduce|bump|raise|lower"):
        # Without the word "replicas" somewhere, "update web to 3" could mean a version: not a scale.
        c.take(r"the")
        said = c.take(r"(?:number\s+of\s+)?replicas?(?:\s+count)?\s+(?:of|for|on)") is not None
        target = _target(c, referent)
        said = c.take(r"replicas?(?:\s+count)?") is not None or said
        replicas, noun = _count(c)
        if not (said or noun):
            return None
    if target is None or replicas is None or not c.done():
        return None
    argv = kubectl_tools.scale(target, replicas, **_ns(namespace))
    phrase = f"scale {target} to {replicas}{_where(namespace)}"
    return Write("scale", tuple(argv), f"scale {target} to {replicas} replicas", phrase)


def _restart(c: _Cursor, namespace: str, referent: str | None) -> Write | None:
    if not (c.take(r"rollout\s+restart|restart|bounce|redeploy|recreate")
            or c.take(r"(?:do|perform|trigger)\s+a\s+rolling\s+restart\s+of|rolling\s+restart(?:\s+of)?")):
        return None
    target = _target(c, referent)
    if target is None or not c.done():
        return None
    argv = kubectl_tools.rollout("restart", target, **_ns(namespace))  # type: ignore[arg-type]
    return Write("rollout", tuple(argv), f"restart {target} (rolling)", f"restart {target}{_where(namespace)}")


def _rollback(c: _Cursor, namespace: str, referent: str | None) -> Write | None:
    if c.take(r"rollout\s+undo|roll\s*back|undo|revert"):
        c.take(r"the\s+(?:last\s+)?(?:rollout|deploy(?:ment)?|release)\s+of")
        target = _target(c, referent)
    elif c.take(r"roll"):  # "roll web back"
        target = _target(c, referent)
        if target is None or not c.take(r"back"):
            return None
    else:
        return None
    if target is None:
        return None
    revision = _revision(c)
    if revision is None or not c.done():
        return None
    argv = kubectl_tools.rollout("undo", target, revision=revision, **_ns(namespace))
    what = f"revision {revision}" if revision else "the previous revision"
    phrase = f"roll back {target}" + (f" to revision {revision}" if revision else "") + _where(namespace)
    return Write("rollout", tuple(argv), f"roll back {target} to {what}", phrase)


def _image(c: _Cursor, namespace: str, referent: str | None) -> Write | None:
    container = "*"
    if c.take(r"use"):  # "use nginx:1.27 for web"
        m = c.take(rf"(?:the\s+)?(?:image\s+)?({IMAGE})\s+(?:for|on|in)")
        if not m:
            return None
        image, target = m.group(1), _target(c, referent)
    elif c.take(r"set|update|change|upgrade|bump|switch"):
        c.take(r"the")
        m = c.take(rf"(?:container\s+)?({NAME})\s+image\s+(?:of|in|for|on)")  # "the app image of web"
        if m and m.group(1) not in ("the", "image"):
            container = m.group(1)
        elif c.take(r"image"):
            c.take(r"of|for|on|in")
            m = c.take(rf"container\s+({NAME})\s+(?:of|in)")
            if m:
                container = m.group(1)
        target = _target(c, referent)
        if target is None:
            return None
        kubectl_form = c.take(rf"({NAME}|\*)=({IMAGE})")  # kubectl's own: set image deploy/web app=nginx:1
        if kubectl_form:
            container, image = kubectl_form.group(1), kubectl_form.group(2)
        else:
            c.take(r"image")
            m = c.take(rf"to\s+({IMAGE})")
            if not m:
                return None
            image = m.group(1)
    else:
        return None
    if target is None or not c.done():
        return None
    argv = kubectl_tools.set_image(target, container, image, **_ns(namespace))
    which = "every container" if container == "*" else f"container {container}"
    return Write("set_image", tuple(argv), f"set the image of {which} in {target} to {image}",
                 f"set the image of {target} to {image}{_where(namespace)}")


def _helm(c: _Cursor, namespace: str, referent: str | None) -> Write | None:
    uninstall = bool(c.take(r"uninstall|remove|delete"))
    if not uninstall and not c.take(r"roll\s*back|undo|revert"):
        return None
    c.take(r"the")
    named = c.take(rf"(?:helm\s+)?release\s+({NAME})") or c.take(rf"({NAME})\s+(?:helm\s+)?release")
    if not named or not _name(named.group(1)):
        return None
    release = named.group(1)
    if uninstall:
        if not c.done():
            return None
        argv = helm_tools.helm_release("uninstall", release=release, **_ns(namespace))  # type: ignore[arg-type]
        return Write("helm_release", tuple(argv), f"uninstall the helm release {release}",
                     f"uninstall release {release}{_where(namespace)}")
    revision = _revision(c)
    if revision is None or not c.done():
        return None
    argv = helm_tools.helm_release("rollback", release=release, revision=revision,
                                   **_ns(namespace))  # type: ignore[arg-type]
    what = f"revision {revision}" if revision else "the previous revision"
    return Write("helm_release", tuple(argv), f"roll back the helm release {release} to {what}",
                 f"roll back release {release}" + (f" to revision {revision}" if revision else "") + _where(namespace))
