"""`analyze_cluster`: the health analyzers over live objects, as compact findings for the model.

One tool call replaces the half-dozen gets and describes a model would otherwise make (and pay tokens
for), and the findings already name the root cause and the next commands.
"""

from __future__ import annotations

from aiops_chat.tools.base import ToolContext, namespace_flags


def analyze_cluster(ctx: ToolContext, namespace: str = "", all_namespaces: bool = False) -> str:
    """Find broken workloads and their likely causes (start here for 'why is X failing')."""
    from aiops_chat.analysis.api import analyze_objects, compact_findings
    from aiops_chat.analysis.sources.kubectl_reads import collect

    scope = namespace or ctx.namespace
    snapshot = collect(lambda argv: ctx.read(argv), namespace=None if all_namespaces else scope,
                       all_namespaces=all_namespaces)
    if not snapshot.inventory.listed - {"Node"}:
        return "analysis failed: nothing could be listed. " + "; ".join(snapshot.notes[:3])
    findings = analyze_objects(snapshot.inventory)
    where = "all namespaces" if all_namespaces else f"namespace {scope}"
    text = f"Analysis of {where}: " + compact_findings(findings)
    if snapshot.notes:
        text += "\nNot analysed: " + "; ".join(snapshot.notes[:5])
    return text


def analyze_preview(namespace: str = "", all_namespaces: bool = False) -> list[str]:
    from aiops_chat.analysis.sources.kubectl_reads import NAMESPACED

    return ["kubectl", "get", ",".join(NAMESPACED), "-o", "json", *namespace_flags(namespace, all_namespaces)]
