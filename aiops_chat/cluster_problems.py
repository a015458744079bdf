"""Why a cluster could not be used: one classifier for the kubernetes-SDK gateway and for kubectl/helm output.

"Cluster unreachable" is the least useful thing to tell someone whose kubeconfig names a context that does
not exist or whose token expired. Two sources feed this module: the kubeconfig itself (read without the SDK,
so the problems it alone explains are named before anything is sent), and the text a failure left behind (a
Python exception from the gateway, or kubectl's and helm's stderr). Both end as a :class:`Diagnosis` naming
the kubeconfig file, the context and the server, with what to try.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from aiops_chat.errors import ClusterError
from aiops_chat.kubeconfig import KubeconfigView, kubeconfig_files, load_view

CHECK_CONTEXTS = "kubectl config get-contexts"
OFFLINE = "or use --snapshot FILE / --demo"


class Problem(StrEnum):
    NO_KUBECONFIG = "no kubeconfig"
    NO_CONTEXT = "no context"
    UNKNOWN_CONTEXT = "unknown context"
    MISSING_CLUSTER = "context names a missing cluster"
    MISSING_USER = "context names a missing user"
    NO_SERVER = "cluster has no server"
    UNAUTHORIZED = "credentials rejected"
    FORBIDDEN = "forbidden"
    TLS = "TLS"
    REFUSED = "connection refused"
    DNS = "DNS"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"

    @property
    def is_kubeconfig(self) -> bool:
        return self in _KUBECONFIG_PROBLEMS


_KUBECONFIG_PROBLEMS = frozenset({Problem.NO_KUBECONFIG, Problem.NO_CONTEXT, Problem.UNKNOWN_CONTEXT,
                                  Problem.MISSING_CLUSTER, Problem.MISSING_USER, Problem.NO_SERVER})
_TITLES = {Problem.UNAUTHORIZED: "cluster credentials rejected", Problem.FORBIDDEN: "cluster access forbidden",
           Problem.TLS: "cluster TLS"}


@dataclass(frozen=True)
class Diagnosis:
    problem: Problem
    message: str
    hint: str
    # False for a refusal of one request (RBAC on one resource): other requests to the cluster may still work.
    cluster_wide: bool = True

    @property
    def title(self) -> str:
        return "kubeconfig" if self.problem.is_kubeconfig else _TITLES.get(self.problem, "cluster unreachable")

    def __str__(self) -> str:
        return f"{self.message} (try {self.hint})"

    def error(self) -> ClusterError:
        return ClusterError(self.message, hint=f"try {self.hint}", title=self.title)


@dataclass(frozen=True)
class Where:
    """What the kubeconfig says about the target; every field may be unknown."""

    files: tuple[Path, ...] = ()
    context: str | None = None
    user: str | None = None
    server: str | None = None
    insecure: bool = False

    @property
    def file_text(self) -> str:
        return ", ".join(str(f) for f in self.files) or "the kubeconfig"

    @property
    def context_text(self) -> str:
        return f" (context {self.context!r})" if self.context else ""


def where(view: KubeconfigView, context: str | None) -> Where:
    """The target as the kubeconfig names it: the context given, else the current one."""
    name = context or view.current
    ctx = view.get(name) if name else None
    cluster = view.cluster(ctx.cluster) if ctx else None
    return Where(files=tuple(f for f in view.files if f.is_file()) or view.files, context=name,
                 user=(ctx.user or None) if ctx else None, server=(cluster.server or None) if cluster else None,
                 insecure=bool(cluster and cluster.insecure))


def check_kubeconfig(kubeconfig: str, home: str, context: str | None) -> tuple[Where, Diagnosis | None]:
    """Problems the kubeconfig alone explains (nothing is sent anywhere), and what it says about the target.
    A kubeconfig that cannot be parsed raises ConfigError from load_view."""
    files = kubeconfig_files(kubeconfig, home)
    existing = [f for f in files if f.is_file()]
    if not existing:
        shown = ", ".join(str(f) for f in files)
        return Where(files=files, context=context), Diagnosis(
            Problem.NO_KUBECONFIG, f"no kubeconfig: {shown} does not exist",
            "setting KUBECONFIG or [kube] kubeconfig to your cluster's kubeconfig (minikube, kind and the clouds' "
            f"get-credentials commands write one), {OFFLINE}")
    view = load_view(kubeconfig, home)
    at = where(view, context)
    names = ", ".join(c.name for c in view.contexts) or "none"
    if not at.context:
        return at, Diagnosis(Problem.NO_CONTEXT, f"{at.file_text} sets no current-context and none was given "
                             f"(contexts: {names})", "aiops --context NAME or kubectl config use-context NAME")
    ctx = view.get(at.context)
    if ctx is None:
        return at, Diagnosis(Problem.UNKNOWN_CONTEXT, f"context {at.context!r} not found in {at.file_text} "
                             f"(contexts: {names})", f"aiops --context NAME or {CHECK_CONTEXTS}")
    if view.cluster(ctx.cluster) is None:
        known = ", ".join(c.name for c in view.clusters) or "none"
        return at, Diagnosis(Problem.MISSING_CLUSTER, f"context {ctx.name!r} in {at.file_text} names cluster "
                             f"{ctx.cluster!r}, which is not in its clusters (clusters: {known})",
                             f"fixing the context's cluster, or {CHECK_CONTEXTS}")
    if ctx.user and ctx.user not in view.users:
        known = ", ".join(view.users) or "none"
        return at, Diagnosis(Problem.MISSING_USER, f"context {ctx.name!r} in {at.file_text} names user "
                             f"{ctx.user!r}, which is not in its users (users: {known})",
                             f"fixing the context's user, or {CHECK_CONTEXTS}")
    if not at.server:
        return at, Diagnosis(Problem.NO_SERVER, f"cluster {ctx.cluster!r} of context {ctx.name!r} in "
                             f"{at.file_text} has no server URL", f"fixing the kubeconfig, or {CHECK_CONTEXTS}")
    return at, None


# Matched against a failure's text, first match wins: kubectl's and helm's stderr (Go's wording) and the
# gateway's exceptions (Python's and urllib3's wording). The most specific cause comes first: kubectl's
# TLS and DNS lines also start "Unable to connect to the server", and a TLS handshake timeout is a timeout.
_PATTERNS: tuple[tuple[Problem, re.Pattern[str]], ...] = tuple((p, re.compile(r, re.I)) for p, r in (
    (Problem.UNKNOWN_CONTEXT, r"context \"[^\"]*\" does not exist|context was not found for specified context"),
    (Problem.NO_KUBECONFIG, r"no configuration has been provided|Invalid kube-config file\. No configuration found"),
    (Problem.UNAUTHORIZED, r"You must be logged in to the server|\(Unauthorized\)|\b401\b[^\n]*Unauthorized"),
    (Problem.FORBIDDEN, r"\(Forbidden\)|\bis forbidden\b|\b403\b[^\n]*forbidden"),
    (Problem.TLS, r"x509:|certificate verify failed|CERTIFICATE_VERIFY_FAILED|tls: |SSLError|SSL:|"
                  r"certificate (?:has expired|is not valid|is valid for)"),
    (Problem.TIMEOUT, r"i/o timeout|TLS handshake timeout|timed out|context deadline exceeded|Client\.Timeout"),
    (Problem.DNS, r"no such host|Name or service not known|Failed to resolve|Temporary failure in name resolution|"
                  r"nodename nor servname"),
    (Problem.REFUSED, r"connection refused|was refused|Errno 111"),
    (Problem.UNREACHABLE, r"Unable to connect to the server|Kubernetes cluster unreachable|Network is unreachable|"
                          r"No route to host|connection reset"),
))
_MAX_QUOTE = 300  # characters of the matching line quoted in the message


def classify(text: str, at: Where | None = None) -> Diagnosis | None:
    """The problem a failure's text names, or None when it names none of ours (a missing object, a bad flag)."""
    at = at or Where()
    for problem, pattern in _PATTERNS:
        lines = [ln.strip() for ln in text.splitlines() if pattern.search(ln)]
        if lines:  # the last: kubectl's own summary; the lines before are client-go's noisy retries
            return explain(problem, _quote(lines[-1]), at)
    return None


def _quote(line: str) -> str:
    line = re.sub(r"^(?:E\d{4} [\d:.]+\s+\d+ \S+\] )", "", line)  # client-go's klog prefix
    return line if len(line) <= _MAX_QUOTE else line[:_MAX_QUOTE - 3] + "..."


def explain(problem: Problem, quote: str, at: Where) -> Diagnosis:
    server = at.server or "the API server"
    ctx = at.context_text
    if problem is Problem.UNKNOWN_CONTEXT:
        return Diagnosis(problem, f"context {at.context!r} not found in {at.file_text}: {quote}" if at.context
                         else quote, f"aiops --context NAME or {CHECK_CONTEXTS}")
    if problem is Problem.NO_KUBECONFIG:
        return Diagnosis(problem, f"no usable kubeconfig ({at.file_text}): {quote}",
                         f"setting KUBECONFIG or [kube] kubeconfig, {OFFLINE}")
    if problem is Problem.UNAUTHORIZED:
        who = f"user {at.user!r}" if at.user else "the kubeconfig's user"
        return Diagnosis(problem, f"{server}{ctx} rejected the credentials of {who} (401 Unauthorized: the token "
                         f"or client certificate is wrong or expired): {quote}",
                         "refreshing the credentials (your provider's login or get-credentials command), then "
                         "`kubectl auth whoami`")
    if problem is Problem.FORBIDDEN:
        return Diagnosis(problem, f"{server}{ctx} refused the request (403 Forbidden, RBAC): {quote}",
                         "`kubectl auth can-i --list` to see what this user may do", cluster_wide=False)
    if problem is Problem.TLS:
        return Diagnosis(problem, f"TLS with {server}{ctx} failed: the server's certificate does not verify "
                         f"against the kubeconfig's CA: {quote}",
                         f"checking the cluster's certificate-authority(-data) in {at.file_text}: the cluster's "
                         "CA or address may have changed")
    if problem is Problem.TIMEOUT:
        return Diagnosis(problem, f"{server}{ctx} did not answer in time: {quote}",
                         f"checking VPN, firewall or proxy, and `kubectl cluster-info`, {OFFLINE}")
    if problem is Problem.DNS:
        return Diagnosis(problem, f"the host of {server}{ctx} does not resolve (DNS): {quote}",
                         f"checking the server URL in {at.file_text} and your VPN/DNS, {OFFLINE}")
    if problem is Problem.REFUSED:
        return Diagnosis(problem, f"cannot reach the API server {server}{ctx}: connection refused, nothing listens "
                         f"there: {quote}", f"starting the cluster, `kubectl cluster-info`, checking --context, {OFFLINE}")
    return Diagnosis(problem, f"cannot reach the API server {server}{ctx}: {quote}",
                     f"`kubectl cluster-info`, checking --context and the network, {OFFLINE}")


def diagnose(text: str, kubeconfig: str, home: str, context: str | None, *, stdout: str = "") -> Diagnosis | None:
    """A failed command's cause: the kubeconfig's own problem first (kubectl, lacking a kubeconfig, talks to
    localhost:8080 and reports *that*, or prompts on stdout for a username), else what its stderr names."""
    from aiops_chat.errors import ConfigError

    try:
        at, static = check_kubeconfig(kubeconfig, home, context)
    except ConfigError:
        at, static = Where(files=kubeconfig_files(kubeconfig, home), context=context), None
    found = classify(text, at)
    # Only when the failure is the cluster's kind of failure: a NotFound is a NotFound whatever the kubeconfig.
    if static is not None and (found is not None or _NO_CLUSTER_CONFIG.search(f"{text}\n{stdout[-200:]}")):
        return static
    return found


# What kubectl does without a usable context: it falls back to localhost:8080, or asks for a username.
_NO_CLUSTER_CONFIG = re.compile(r"localhost:8080|Please enter Username")
