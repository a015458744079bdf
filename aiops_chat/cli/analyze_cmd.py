"""`aiops analyze` (health findings) and `aiops optimize` (resource right-sizing).

Only the standard library at top level: the analysis, the YAML parser and the kubernetes SDK load when a
command actually runs, so `aiops --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from aiops_chat.cli.examples import add_examples
from aiops_chat.safe_text import json_visible, visible

if TYPE_CHECKING:
    from aiops_chat.analysis.inventory import Inventory
    from aiops_chat.config import Config

SEVERITIES = ("info", "warning", "critical")
OUTPUTS = ("table", "json", "markdown")


def _source_options(p: argparse.ArgumentParser) -> None:
    # The root parser owns -n/--namespace; accepting it after the subcommand too (same dest, no default
    # of its own) lets `aiops analyze -n NS` work as kubectl users type it without shadowing `aiops -n NS`.
    p.add_argument("-n", "--namespace", default=argparse.SUPPRESS, help="namespace (same as the global -n)")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace (default for snapshots)")
    p.add_argument("-l", "--selector", metavar="SELECTOR", help="only objects whose labels match (kubectl syntax)")
    p.add_argument("-o", "--output", choices=OUTPUTS, default="table", help="output format (default: table)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--snapshot", metavar="FILE", help="analyze a YAML/JSON file (kubectl get -o yaml|json) "
                     "instead of the live cluster")
    src.add_argument("--demo", action="store_true", help="analyze the built-in snapshot of a broken TaskFlow deployment")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="find what is wrong in the cluster, grouped by root cause",
                       description="Deterministic health analysis (no LLM needed): runs every analyzer over the "
                       "live cluster, a snapshot file (take one with `aiops snapshot`) or the demo, and groups findings "
                       "by root cause. Exit 0 when it ran, 1 when --fail-on is met, 2 for a namespace that does not "
                       "exist. Namespace: -n NS (global option), -A, or the context's. Every check, its severity and "
                       "its k8sgpt counterpart: docs/analyzers.md.")
    _source_options(p)
    p.add_argument("--filter", metavar="NAMES", help="comma-separated analyzers to run, e.g. Pod,Service "
                   "(see --list-analyzers)")
    p.add_argument("--severity", choices=SEVERITIES, default="info", help="lowest severity shown (default: info)")
    p.add_argument("--fail-on", choices=("warning", "critical"), help="exit 1 when a finding of this severity "
                   "or worse is shown")
    p.add_argument("--best-practices", action="store_true", help="also run the best-practice checks "
                   "(requests/limits, probes, latest tags, root, privileged)")
    p.add_argument("--explain", action="store_true", help="ask the LLM for cause and fix per group (cached)")
    p.add_argument("--anonymize", action="store_true", help="with --explain: send pseudonyms instead of names, "
                   "namespaces, label values and IPs; map them back in the answer")
    p.add_argument("--no-cache", action="store_true", help="with --explain: ask again even if cached")
    p.add_argument("--list-analyzers", action="store_true", help="print the analyzer names and exit")
    add_examples(p, "aiops analyze --demo                 # the built-in broken TaskFlow snapshot", "aiops analyze -n taskflow --fail-on warning", "aiops analyze -A --filter Pod,Service -o json", "aiops analyze --snapshot cluster.yaml --explain")
    p.set_defaults(handler=run_analyze)

    o = sub.add_parser("optimize", help="right-size requests, limits and HPA bounds from metrics API usage",
                       description="Compares usage from metrics.k8s.io with requests and limits and HPA bounds; "
                       "prints a `kubectl set resources` command (and a Helm values snippet for Helm-managed "
                       "workloads) per recommendation.")
    _source_options(o)
    add_examples(o, "aiops optimize -n taskflow", "aiops optimize --demo")
    o.set_defaults(handler=run_optimize)


def _load(args: argparse.Namespace, cfg: Config, *, optimize: bool = False) -> tuple[Inventory, str]:
    """The inventory and a label for where it came from."""
    namespace = None if args.all_namespaces else args.namespace
    from aiops_chat.analysis.api import require_namespace

    if args.demo:
        from aiops_chat.analysis.sources.demo import load_demo

        inv = load_demo(namespace=namespace)
        require_namespace(inv, "the demo")
        return inv, "demo"
    if args.snapshot:
        from aiops_chat.analysis.sources.snapshot import load_snapshot

        inv = load_snapshot(args.snapshot, namespace=namespace)
        require_namespace(inv, f"snapshot {args.snapshot}")
        return inv, args.snapshot
    from aiops_chat.analysis.sources import live

    kinds = live.OPTIMIZE_KINDS if optimize else live.KINDS
    inv = live.load_live(cfg, context=args.context, namespace=namespace, all_namespaces=args.all_namespaces,
                         label_selector=args.selector, kinds=kinds)
    require_namespace(inv, "live")
    return inv, f"namespace {inv.namespace}" if inv.namespace else "all namespaces"


def run_analyze(args: argparse.Namespace) -> int:
    from aiops_chat.analysis.gc_pause import gc_paused

    # One pause for the whole run, ended only after _analyze returned and its objects were freed: re-enabling
    # the collector while the inventory is alive costs a pass over every object of it (a quarter second at
    # 10,000 pods) and there is nothing cyclic to collect.
    with gc_paused():
        return _analyze(args)


def _analyze(args: argparse.Namespace) -> int:
    from aiops_chat.analysis import api, render
    from aiops_chat.analysis.findings import Severity
    from aiops_chat.config import load_config

    if args.list_analyzers:
        from aiops_chat.analysis.analyzers import ANALYZERS, BEST_PRACTICE_ANALYZERS

        print("\n".join([*ANALYZERS, *(f"{n} (--best-practices)" for n in BEST_PRACTICE_ANALYZERS)]))
        return 0
    cfg = load_config(args.config)
    analyzers = api.resolve_filters(args.filter.split(",") if args.filter else None,
                                    best_practices=args.best_practices or cfg.analysis.best_practices)
    inv, source = _load(args, cfg)
    findings = api.run_analyzers(inv, analyzers, label_selector=args.selector)
    findings = api.filter_severity(findings, Severity(args.severity))
    notes = list(inv.notes)
    explanations = None
    if args.explain and findings:
        from aiops_chat.analysis.explain import explain

        explanations, explain_notes = explain(findings, cfg, inventory=inv, anonymize=args.anonymize,
                                              scope=source, use_cache=not args.no_cache)
        notes += explain_notes
    for note in notes:
        print(visible(f"aiops: note: {note}"), file=sys.stderr)
    text = render.RENDERERS[args.output](findings, notes=notes, source=source, explanations=explanations)
    text = json_visible(text) if args.output == "json" else visible(text)  # names and messages are cluster text
    if source == "demo" and args.output != "json":
        # Said first, so nobody mistakes the demo's broken TaskFlow app for their own cluster.
        text = render.DEMO_HEADER[args.output] + text
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if args.fail_on and any(f.severity.at_least(Severity(args.fail_on)) for f in findings):
        return 1
    return 0


def run_optimize(args: argparse.Namespace) -> int:
    from aiops_chat.analysis.optimize import recommend, render_recommendations
    from aiops_chat.config import load_config

    cfg = load_config(args.config)
    inv, _source = _load(args, cfg, optimize=True)
    recs = recommend(inv)
    if args.selector:
        from aiops_chat.analysis.inventory import labels_of
        from aiops_chat.analysis.selectors import parse_selector

        match = parse_selector(args.selector)
        recs = [r for r in recs if (o := inv.get(r.kind, r.namespace, r.name)) is not None and match(labels_of(o))]
    notes = list(inv.notes)
    if not inv.all("PodMetrics"):
        notes.append("no pod metrics (metrics.k8s.io): only missing requests/limits and HPA bounds are checked")
    for note in notes:
        print(visible(f"aiops: note: {note}"), file=sys.stderr)
    sys.stdout.write((json_visible if args.output == "json" else visible)(render_recommendations(recs, args.output, notes)))
    return 0
