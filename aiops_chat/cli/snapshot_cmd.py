"""`aiops snapshot`: what `aiops analyze` reads from the cluster, as one JSON file on stdout.

The file is a `kind: List` that records the kinds it listed and its namespace, so `aiops analyze --snapshot`
judges it exactly as the live cluster: a kind it listed and found empty means "none exist", a kind it could
not list leaves references to it unverified. Only the standard library at top level, as for every command.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("snapshot", help="save what `aiops analyze` reads from the cluster as JSON (to stdout)",
                       description="Lists every kind the analyzers read (the live collector's list), in one "
                       "namespace (-n NS, or the context's) or all (-A), and writes them to stdout as a JSON List "
                       "that records what was collected. `aiops analyze --snapshot FILE` then finds what the live "
                       "analysis would. Secrets and Helm's ConfigMaps keep only names, labels and owners. "
                       "Example: aiops snapshot -n shop > shop.json")
    p.add_argument("-n", "--namespace", default=argparse.SUPPRESS, help="namespace (same as the global -n)")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    p.set_defaults(handler=run_snapshot)


def run_snapshot(args: argparse.Namespace) -> int:
    from aiops_chat.analysis.api import require_namespace
    from aiops_chat.analysis.sources import live
    from aiops_chat.analysis.sources.snapshot import snapshot_document
    from aiops_chat.config import load_config

    cfg = load_config(args.config)
    inv = live.load_live(cfg, context=args.context, namespace=None if args.all_namespaces else args.namespace,
                         all_namespaces=args.all_namespaces)
    require_namespace(inv, "live")
    doc = snapshot_document(inv, metadata_only=[k.kind for k in live.KINDS if k.metadata_only])
    for note in inv.notes:
        print(f"aiops: note: {note}", file=sys.stderr)
    json.dump(doc, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    scope = f"namespace {inv.namespace}" if inv.namespace else "all namespaces"
    print(f"aiops: snapshot: {len(doc['items'])} objects, {len(inv.listed)} kinds listed ({scope}); "
          "analyze it with `aiops analyze --snapshot FILE`", file=sys.stderr)
    return 0
