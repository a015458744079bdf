"""`aiops policy check -- ARGV...`: what the policy would decide, without running anything."""

from __future__ import annotations

import argparse
import json

from aiops_chat import exit_codes
from aiops_chat.cli.examples import add_examples
from aiops_chat.errors import UsageError
from aiops_chat.safe_text import visible


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("policy", help="ask the command policy about an argv")
    inner = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    check = inner.add_parser("check", help="decide allow/confirm/deny for ARGV (nothing runs)",
                             description="Example: aiops policy check --context prod-eu -- kubectl scale deploy/x --replicas=2")
    # Also accepted after the sub-command, as `aiops policy check --context prod -- ...` reads naturally;
    # SUPPRESS keeps the root option's value when these are not given here.
    check.add_argument("--context", metavar="NAME", default=argparse.SUPPRESS, help="kube context to judge for")
    check.add_argument("-n", "--namespace", metavar="NS", default=argparse.SUPPRESS, help="namespace to judge for")
    check.add_argument("--output", choices=("text", "json"), default="text")
    check.add_argument("argv", nargs=argparse.REMAINDER, help="the command, binary first, after --")
    add_examples(check, "aiops policy check -- kubectl get pods", "aiops policy check --context prod-eu -- kubectl scale deploy/x --replicas=2", "aiops policy check --output json -- helm uninstall taskflow-backend")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config
    from aiops_chat.kubeconfig import load_view
    from aiops_chat.policy import Decision, evaluate, policy_context_for

    argv = list(args.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise UsageError("give the command after --, e.g. aiops policy check -- kubectl get pods")
    cfg = load_config(args.config)
    context = args.context or cfg.kube.context or load_view(cfg.kubeconfig, cfg.runtime.home).current
    namespace = args.namespace or cfg.kube.namespace or None
    verdict = evaluate(argv, policy_context_for(cfg, context, namespace))
    if args.output == "json":
        print(json.dumps({"decision": verdict.decision.value, "risk": verdict.risk.value, "reason": verdict.reason}))
    else:
        print(visible(f"{verdict.decision.value.upper()} ({verdict.risk.value}): {verdict.reason}"))
    # allow and confirm: the command may run (confirm: once a person approves); deny: it never may.
    return exit_codes.DENIED if verdict.decision is Decision.DENY else exit_codes.OK
