"""How the offline planner reads a person's request: its mood, its clauses, its namespace and object names.

The planner has no model, so a misreading is a wrong command. The rules here lean one way: a question
(why/what/how/is/should/can you/would/what happens if, anything ending in "?") and a negated clause
("don't restart web", "never scale") can never be read as a request to change something; function words
("enough", "happens", "don't") are never object names. Text is lower-cased and contractions are expanded
first, so "don't" is "do not" and no "don" is left over to become `deployment/don`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiops_chat import kinds

NAME = r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?"
NAME_RE = re.compile(rf"^{NAME}$")

# Words for kinds, to the name kubectl knows them by: kubectl's own names for the kinds a request may
# name, less the ones that are also English ("no", "namespace" in "in namespace shop"), plus plain words.
_REQUEST_KINDS = (
    "pods", "deployments", "services", "nodes", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs",
    "configmaps", "secrets", "ingresses", "persistentvolumeclaims", "persistentvolumes", "namespaces", "events",
    "horizontalpodautoscalers", "endpoints", "serviceaccounts", "storageclasses", "networkpolicies",
    "poddisruptionbudgets", "roles", "rolebindings", "clusterroles", "clusterrolebindings", "resourcequotas",
    "limitranges", "ingressclasses", "priorityclasses", "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
)
_NOT_KIND_WORDS = frozenset({"no", "namespace", "ns", "limits", "pc"})
_MORE_KIND_WORDS = {
    "deployments": "deploys", "persistentvolumeclaims": "pvcs", "persistentvolumes": "pvs",
    "horizontalpodautoscalers": "hpas autoscaler autoscalers", "endpoints": "endpoint",
    "poddisruptionbudgets": "pdbs", "resourcequotas": "quotas", "all": "everything",
}
KINDS: dict[str, str] = {
    w: k.plural for k in map(kinds.by_plural, _REQUEST_KINDS) for w in k.words if w not in _NOT_KIND_WORDS}
KINDS.update((w, plural) for plural, words in _MORE_KIND_WORDS.items() for w in words.split())

# Function words, and the verbs, adjectives and nouns requests are made of: none of them is ever taken as
# the name of an object. A word list reads better as text than as a 400-item literal.
STOP_WORDS = frozenset("""
a an the to of for in on from at by with and or but nor so yet as than then too very also just only even
still again already now soon later once here there where when why how what which who whom whose whether if
unless because since while until till after before during about above below into onto over under between
through across against without within upon via per vs versus
i me my mine myself we us our ours you your yours he him his she her it its itself they them their theirs
this that these those something anything everything nothing someone anyone thing things stuff one ones
is are was were be been being am do does did done doing have has had having will would shall should can
could may might must ought need needs needed not no yes yeah yep nope ok okay sure please pls kindly thanks
thank hi hello hey dear let lets
show get list display give tell find see check print fetch describe explain look looking watch view read
logs log scale scaled scaling restart restarted restarting bounce bounced redeploy redeployed recreate
rollback rolled roll rolling back undo undone revert reverted rollout status history image images set
update updated change changed upgrade upgraded bump switch use using used container containers replicas
replica tail last lines line previous prior crashed crash crashes crashing before events event top cpu
memory usage resource resources helm release releases chart charts uninstall uninstalled remove removed
delete deleted namespace ns all every each cluster wide ready failing failed fail fails broken wrong
healthy unhealthy pending error errors issue issues problem problems diagnose health going on happening
happen happens happened up down running run runs ran new old version revision current state many much
more most less least few lot lots enough working work works worked kubectl yaml json named called
whole entire same other another some any both either neither such own right left safe unsafe possible
okay fine good bad better best worse worst slow slowly fast quickly quick immediately asap right away
think know want wanted like would wonder wondering mean means meant cause caused causes causing reason
go goes going gone went come comes coming make makes made take takes took keep keeps kept stop stopped
try trying tried happen say said says ask asked tell told help need wait waiting seem seems seemed
increase increased decrease decreased reduce reduced raise raised lower lowered instead rather actually
really probably maybe perhaps well first second next way ways time times minute minutes hour hours day
days today yesterday ago since number count size big small high low full empty true false
pods pod instances instance copies copy t s d ll re ve m
""".split())  # noqa: SIM905

# Said before the verb of an imperative without changing it: "please restart web", "ok, go ahead and ...".
LEAD_IN = re.compile(
    r"^(?:(?:please|pls|kindly|now|ok|okay|alright|right|then|also|and|so|just|quickly|yes|sure|aiops|hey|hi|"
    r"go\s+ahead\s+and|let\s+us|i\s+want\s+you\s+to|i\s+need\s+you\s+to|i\s+would\s+like\s+you\s+to)\s+)*")
# A clause starting with one of these asks; it does not order.
_QUESTION_START = re.compile(
    r"^(?:why|what|whats|how|hows|which|who|whom|whose|when|where|whether|is|are|was|were|am|does|did|"
    r"do(?=\s+(?:i|we|you|they|it|these|those|my|our|all|any|pods|the\s+pods)\b)|has|have|had|should|shall|"
    r"can|could|would|will|may|might|must|ought|"
    r"explain|tell\s+me|i\s+wonder|wondering|any\s+idea|do\s+you\s+think|is\s+it\s+safe|if|suppose|what\s+if)\b")
_NEGATED = re.compile(r"^(?:do\s+not|does\s+not|did\s+not|never|not|no|without|avoid|stop|refrain|"
                      r"(?:you\s+)?(?:should|must|can|may)\s+not|no\s+need\s+to|there\s+is\s+no\s+need)\b")

_CONTRACTIONS = (
    (r"\bwon't\b", "will not"), (r"\bcan't\b", "can not"), (r"\bcannot\b", "can not"), (r"\bshan't\b", "shall not"),
    (r"\b(\w+)n't\b", r"\1 not"), (r"\bdont\b", "do not"), (r"\bdoesnt\b", "does not"), (r"\bdidnt\b", "did not"),
    (r"\bisnt\b", "is not"), (r"\barent\b", "are not"), (r"\bwhat's\b", "what is"), (r"\bwhats\b", "what is"),
    (r"\blet's\b", "let us"), (r"\bi'd\b", "i would"), (r"\blets\b", "let us"), (r"\bi'm\b", "i am"), (r"\b(\w+)'(?:s|re|ve|ll|d)\b", r"\1"),
)
# Clauses split at punctuation (a dot only before a space or the end: "nginx:1.27" stays whole) and at
# words that start a new thought: "don't restart web, just show its logs", "not web but api".
_CLAUSE_SPLIT = re.compile(r"[,;!?]+|\.(?=\s|$)|\s(?:but|instead|rather|then|just|and\s+then|also)\s"
                           r"|\sand\s(?=(?:please\s+)?(?:scale|restart|roll|rollback|undo|revert|set|update|change|"
                           r"show|get|list|describe|uninstall|delete|remove|bounce|redeploy)\b)")
# Namespace phrases, in the forms people type them.
_NS_PATTERNS = (
    re.compile(rf"\s(?:-n|--namespace)(?:=|\s+)({NAME})(?=[\s?.!,;])"),
    re.compile(rf"\s(?:in|from|on|of|for|inside|within)\s+(?:the\s+)?(?:namespace|ns)\s+({NAME})(?=[\s?.!,:;])"),
    re.compile(rf"\s(?:in|from|on|of|for|inside|within)\s+(?:the\s+)?({NAME})\s+(?:namespace|ns)(?=[\s?.!,:;])"),
    re.compile(rf"\s(?:namespace|ns)[:=]\s*({NAME})(?=[\s?.!,;])"),
)
_ALL_NAMESPACES = re.compile(
    r"\s-a\s|\s--all-namespaces\s|\b(?:all|every|across)\s+(?:the\s+)?namespaces\b|\bcluster[- ]wide\b"
    r"|\bin\s+(?:the\s+|my\s+)?(?:whole\s+|entire\s+)?cluster\b")


@dataclass
class Request:
    """A request as the planner reads it: normalised text (namespace phrases cut out), its clauses, and
    what it names."""

    text: str
    clauses: list[str]
    question: bool
    namespace: str = ""
    namespaces: list[str] = field(default_factory=list)  # every distinct namespace the text names
    all_namespaces: bool = False
    kind: str = ""  # kubectl plural, when the request named one
    names: list[str] = field(default_factory=list)  # object names, in order of appearance

    def positive_clauses(self) -> list[str]:
        """The clauses that are not negated ("do not restart web" is not a request to restart web)."""
        return [c for c in self.clauses if not is_negated(c)]


def normalize(text: str) -> str:
    t = " " + " ".join(text.strip().lower().replace("’", "'").replace("‘", "'").split()) + " "
    for pattern, repl in _CONTRACTIONS:
        t = re.sub(pattern, repl, t)
    return t


def split_clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


def strip_lead_in(clause: str) -> str:
    return LEAD_IN.sub("", clause.strip())


def is_negated(clause: str) -> bool:
    return bool(_NEGATED.match(strip_lead_in(clause)))


def clause_asks(clause: str) -> bool:
    return bool(_QUESTION_START.match(strip_lead_in(clause)))


def is_question(text: str) -> bool:
    """Whether the text asks rather than orders: it ends in "?", or a clause opens as a question does
    (why/what/how/is/are/does/should/can you/could/would/what happens if/explain/tell me ...)."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return True
    return any(clause_asks(c) for c in split_clauses(normalize(stripped)))


def read_request(text: str) -> Request:
    t = normalize(text)
    question = text.strip().endswith("?") or any(clause_asks(c) for c in split_clauses(t))
    req = Request(text=t, clauses=[], question=question)
    if _ALL_NAMESPACES.search(t):
        req.all_namespaces = True
    t = _take_namespaces(req, t)
    t = re.sub(r"\s(?:-a|--all-namespaces)\s", " ", t)
    t = _take_qualified_names(req, t)
    req.text = t
    req.clauses = split_clauses(t)
    words = re.findall(r"[a-z0-9][a-z0-9._/:@=-]*", t)
    for i, w in enumerate(words):
        w = w.rstrip(".,?!:;")
        if w in KINDS and not req.kind and not (w == "all" or (w == "no" and i == 0)):
            req.kind = KINDS[w]
        elif "/" in w and w.split("/", 1)[0] in KINDS and not req.kind:
            kind, name = w.split("/", 1)
            req.kind = KINDS[kind]
            if NAME_RE.match(name) and name not in req.names:
                req.names.append(name)
    req.names.extend(n for n in names_in(t) if n not in req.names)
    return req


def names_in(text: str) -> list[str]:
    """The words of `text` that can be object names: valid Kubernetes names that are not function words,
    kinds or numbers. Names written `kind/name` come first: they cannot be a word of the sentence."""
    qualified: list[str] = []
    plain: list[str] = []
    for raw in re.findall(r"[a-z0-9][a-z0-9._/:@=-]*", text):
        w = raw.rstrip(".,?!:;")
        bucket = plain
        if "/" in w and w.split("/", 1)[0] in KINDS:
            w, bucket = w.split("/", 1)[1], qualified
        if (w in STOP_WORDS or w in KINDS or len(w) < 2 or not NAME_RE.match(w) or w in qualified or w in plain
                or re.match(r"^\d+[a-z]*$", w)):  # 100m, 2x, 50
            continue
        bucket.append(w)
    return qualified + plain


def _take_namespaces(req: Request, t: str) -> str:
    """Cut every namespace phrase out of the text; the earliest names the namespace. Later ones are kept in
    `namespaces` (a request naming two is ambiguous for a write)."""
    hits = sorted((m for p in _NS_PATTERNS for m in p.finditer(t) if m.group(1) not in STOP_WORDS),
                  key=lambda m: m.start())
    kept: list[re.Match[str]] = []
    for m in hits:
        if kept and m.start() < kept[-1].end():  # overlapping spellings of one phrase
            continue
        kept.append(m)
        if not req.namespace:
            req.namespace = m.group(1)
        if m.group(1) not in req.namespaces:
            req.namespaces.append(m.group(1))
    for m in reversed(kept):
        t = t[: m.start()] + " " + t[m.end():]
    return t


def _take_qualified_names(req: Request, t: str) -> str:
    """`shop/web` and `shop/deployment/web` carry their namespace (as the health panel and kubectl print
    them); image references (`team/api:2`, `registry.io/x`) and helm chart references are left alone."""
    if re.search(r"\bhelm\b|\bcharts?\b", t):
        return t

    def qualified(m: re.Match[str]) -> str:
        parts = m.group(0).strip().split("/")
        if (parts[0] in KINDS or "." in parts[0] or parts[0] in STOP_WORDS
                or not all(NAME_RE.match(p) and re.search("[a-z]", p) for p in parts)):
            return m.group(0)
        if len(parts) == 3 and parts[1] not in KINDS:
            return m.group(0)
        ns = parts[0]
        if not req.namespace:
            req.namespace = ns
        if ns not in req.namespaces:
            req.namespaces.append(ns)
        return " " + "/".join(parts[1:]) + " "

    return re.sub(r"(?<=\s)[a-z0-9][-a-z0-9.]*(?:/[a-z0-9][-a-z0-9.]*){1,2}(?=[\s?.!,;])", qualified, t)
