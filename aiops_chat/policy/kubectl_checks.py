"""Checks shared by kubectl's verbs: overriding flags, resource arguments, output formats, manifests."""

from __future__ import annotations

import os
from dataclasses import dataclass

from aiops_chat import kinds
from aiops_chat.policy.grammar import Parsed
from aiops_chat.policy.manifest_scan import ManifestFacts, read_manifest_files
from aiops_chat.policy.output_expr import check_expression
from aiops_chat.policy.paths import manifest_files, resolve_inside
from aiops_chat.policy.refusal import Refusal
from aiops_chat.policy.types import PolicyContext

# The executor pins cluster, context and identity; a caller's argv may not choose them.
OVERRIDE_FLAGS = frozenset({
    "kubeconfig", "context", "cluster", "user", "token", "as", "as-group", "as-uid", "server",
    "insecure-skip-tls-verify", "certificate-authority", "client-key", "client-certificate", "username",
    "password", "tls-server-name",
})
# Flags that write files on this machine.
_LOCAL_FILE_FLAGS = frozenset({"cache-dir", "profile", "profile-output"})
# From level 6 kubectl logs requests and responses, and response bodies can carry Secret values.
_MAX_VERBOSITY = 5

_SECRET_KINDS = frozenset(kinds.by_kind("Secret").words)
_NAMESPACE_KINDS = frozenset(kinds.by_kind("Namespace").words)
_NODE_KINDS = frozenset(kinds.by_kind("Node").words)
_CRD_KINDS = frozenset(kinds.by_kind("CustomResourceDefinition").words)
_SAFE_OUTPUTS = frozenset({"", "wide", "name"})
_FILE_OUTPUTS = frozenset({"go-template-file", "jsonpath-file", "custom-columns-file", "templatefile"})
_GO_TEMPLATE = frozenset({"go-template", "template"})
_EXPRESSION_OUTPUTS = frozenset({"jsonpath", "jsonpath-as-json", "custom-columns"}) | _GO_TEMPLATE


def check_global_flags(parsed: Parsed, ctx: PolicyContext) -> None:
    local = parsed.command.flags.by_long  # `create rolebinding --user` names a subject, not the kubeconfig user
    for name in parsed.names():
        if name == "context" and ctx.context is not None and set(parsed.values(name)) == {ctx.context}:
            continue  # the session's own context, which the executor pins anyway
        if name in OVERRIDE_FLAGS and name not in local:
            raise Refusal(f"--{name} would override the cluster, credentials or identity the session pins; "
                          "it is never allowed")
        if name in _LOCAL_FILE_FLAGS:
            raise Refusal(f"--{name} writes files on this machine; it is not allowed")
        if name == "vmodule":
            raise Refusal("--vmodule raises logging per source file and can log Secret values; it is not allowed")
    for level in parsed.values("v"):
        if not level.isdigit() or int(level) > _MAX_VERBOSITY:
            raise Refusal(f"verbosity -v={level} logs API requests and responses, which can carry Secret values; "
                          f"use -v={_MAX_VERBOSITY} or less")


def _kind(word: str) -> str:
    """`Secrets.v1.` -> `secrets`: kubectl resolves kinds case-insensitively, with optional version.group."""
    return word.split(".", 1)[0].lower()


@dataclass(frozen=True)
class Resources:
    kinds: frozenset[str]
    named: tuple[tuple[str, str], ...]   # (kind, name) pairs
    bare_names: tuple[str, ...]          # positionals after the kind list

    def has_kind(self, aliases: frozenset[str]) -> bool:
        return bool(self.kinds & aliases)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for _, n in self.named) + self.bare_names

    def names_of(self, aliases: frozenset[str]) -> set[str]:
        out = {n for k, n in self.named if k in aliases}
        if self.kinds & aliases:
            out.update(self.bare_names)
        return out


def resources(positionals: list[str]) -> Resources:
    """kubectl's resource arguments: `kind[,kind] name...` or `kind/name...` (mixtures read conservatively)."""
    kinds: set[str] = set()
    named: list[tuple[str, str]] = []
    bare: list[str] = []
    for i, word in enumerate(positionals):
        if "/" in word:
            kind, _, name = word.partition("/")
            kinds.add(_kind(kind))
            named.append((_kind(kind), name))
        elif i == 0:
            kinds.update(_kind(k) for k in word.split(",") if k)
        else:
            bare.append(word)
    return Resources(frozenset(kinds), tuple(named), tuple(bare))


SECRETS, NAMESPACES, NODES, CRDS = _SECRET_KINDS, _NAMESPACE_KINDS, _NODE_KINDS, _CRD_KINDS


def check_output(parsed: Parsed, res: Resources | None, verb: str) -> None:
    """Refuse output formats that would print Secret values. ``res`` None: the kinds are unknown (-f)."""
    output = parsed.last("output") or ""
    fmt = output.partition("=")[0].strip().lower()
    if fmt in _FILE_OUTPUTS:
        raise Refusal(f"-o {fmt} reads a template file from this machine; give the template inline")
    shows_data = fmt not in _SAFE_OUTPUTS or (parsed.has("template") and fmt != "name")
    if res is not None and res.has_kind(SECRETS):
        if shows_data:
            shown = f"-o {fmt}" if fmt not in _SAFE_OUTPUTS else "--template"
            raise Refusal(f"kubectl {verb} of a Secret with {shown} would print Secret values; "
                          "only names and metadata may be read (describe shows them)")
        if parsed.has("sort-by"):
            raise Refusal("--sort-by on Secrets orders them by values the policy may not reveal")
    elif res is None and shows_data:
        raise Refusal(f"kubectl {verb} -f with -o {fmt or 'template'} could print Secret values from objects "
                      "the policy cannot see; use -o name or no -o")
    for kind, expression in _expressions(parsed, fmt, output.partition("=")[2]):
        check_expression(kind, expression, verb)


def _expressions(parsed: Parsed, fmt: str, inline: str) -> list[tuple[str, str]]:
    """(parser, expression) for every template kubectl might use: `-o FMT=EXPR` and `--template EXPR`."""
    found: list[tuple[str, str]] = []
    if fmt in _EXPRESSION_OUTPUTS:
        found.append((fmt, inline))
    for template in parsed.values("template"):
        # With -o jsonpath/custom-columns the template is read that way; otherwise as a go-template.
        found.append((fmt if fmt in _EXPRESSION_OUTPUTS and fmt not in _GO_TEMPLATE else "go-template", template))
    return found


def check_no_kustomize(parsed: Parsed) -> None:
    if parsed.has("kustomize"):
        raise Refusal("-k/--kustomize can pull remote bases and files the policy cannot check; use -f with "
                      "rendered manifests under the working directory")


def manifests(parsed: Parsed, ctx: PolicyContext, *, write: bool) -> tuple[bool, ManifestFacts]:
    """(whether -f was given, what the manifest files hold); URLs and outside paths refused.

    Only a write has its files' contents read (namespaces, kinds, cluster-admin bindings); `-f -` is
    read by the engine from the stdin it is given.
    """
    files: list[tuple[str, bool]] = []
    given = False
    for value in parsed.values("filename"):
        # --filename is a string slice: pflag splits each value on commas.
        for part in value.split(","):
            given = True
            if part != "-":
                named = not os.path.isdir(resolve_inside(part, ctx.workdir, "-f"))
                files.extend((f, named) for f in manifest_files(part, ctx.workdir, "-f"))
    return given, read_manifest_files(files) if files and write else ManifestFacts()


def dry_run(parsed: Parsed) -> bool:
    """Only `--dry-run=server|client` simulates; bare `--dry-run` (no value) and `=none` do not."""
    occurrences = [v for n, v in parsed.flags if n == "dry-run"]
    return bool(occurrences) and occurrences[-1] in ("server", "client")
