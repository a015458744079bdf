"""`aiops doctor`, `aiops cluster up`, `aiops deploy`, `aiops validate`: the TaskFlow workflow (plan 009).

This module only parses, builds the executor and approver, and prints: progress to stderr, the checklist
(table or JSON) to stdout. The work is in aiops_chat.workflow, imported when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aiops_chat.safe_text import json_visible, visible

if TYPE_CHECKING:
    from aiops_chat.config import Config
    from aiops_chat.execution import Executor
    from aiops_chat.execution.approval import Approver


from aiops_chat.cli.examples import add_examples


def register(sub: argparse._SubParsersAction) -> None:
    doctor = sub.add_parser("doctor", help="check tools, images, cluster and metrics-server for the TaskFlow workflow",
                            description="Checks minikube, kubectl, helm, docker and kubectl-ai (optional), the "
                            "TaskFlow images, that the cluster answers and metrics-server is available. "
                            "Exit 1 when a required check fails.")
    doctor.add_argument("--llm", action="store_true",
                        help="also probe the configured LLM endpoint: models list, a tool call, streaming")
    doctor.add_argument("--llm-only", action="store_true", help="probe only the LLM endpoint")
    _output_option(doctor)
    add_examples(doctor, "aiops doctor", "aiops doctor --llm                  # also probe the model endpoint", "aiops doctor -o json")
    doctor.set_defaults(handler=run_doctor)

    cluster = sub.add_parser("cluster", help="manage the local Minikube cluster")
    inner = cluster.add_subparsers(dest="cluster_command", metavar="ACTION", required=True)
    up = inner.add_parser("up", help="start Minikube, enable addons, load the images (idempotent)",
                          description="minikube start (unless Running), enables the configured addons and "
                          "loads the TaskFlow images unless minikube already has them.")
    up.add_argument("--driver", help="minikube driver (default: [workflow] driver, docker)")
    up.add_argument("--cpus", type=int, help="CPUs for the cluster (default: [workflow] cpus, 2)")
    up.add_argument("--memory", type=int, metavar="MIB", help="memory in MiB (default: [workflow] memory, 4096)")
    _yes_option(up)
    _output_option(up)
    add_examples(up, "aiops cluster up --yes", "aiops cluster up --cpus 4 --memory 8192 --yes")
    up.set_defaults(handler=run_cluster_up)

    deploy = sub.add_parser("deploy", help="helm upgrade --install both TaskFlow charts and wait for Ready pods",
                            description="Installs or upgrades the backend, then the frontend chart, with "
                            "--wait, then waits for their pods to be Ready. On failure shows pod states, "
                            "Warning events and the analyzer's findings.")
    _namespace_option(deploy)
    deploy.add_argument("--timeout", help="how long helm and kubectl wait, e.g. 180s, 5m "
                        "(default: [workflow] timeout)")
    deploy.add_argument("--set", dest="set_values", action="append", default=[], metavar="KEY=VALUE",
                        help="a helm value for both charts, e.g. image.tag=1.0.1 (repeatable)")
    _yes_option(deploy)
    _output_option(deploy)
    add_examples(deploy, "aiops deploy --yes", "aiops deploy -n taskflow --set image.tag=1.0.1 --timeout 5m --yes")
    deploy.set_defaults(handler=run_deploy)

    validate = sub.add_parser("validate", help="the plan's validation checklist: cluster, pods, health, logs",
                              description="Cluster answers, all TaskFlow pods Ready, backend /health says "
                              '{"status":"ok"}, the frontend serves HTML, no error lines in recent logs. '
                              "Exit 1 on any failure.")
    _namespace_option(validate)
    validate.add_argument("--backend-url", metavar="URL", help="backend base URL (default: [workflow] backend_url, "
                          "else node address + NodePort)")
    validate.add_argument("--frontend-url", metavar="URL", help="frontend URL (default: [workflow] frontend_url, "
                          "else node address + NodePort)")
    _output_option(validate)
    add_examples(validate, "aiops validate", "aiops validate --backend-url http://192.168.49.2:30786 -o json")
    validate.set_defaults(handler=run_validate)


def _output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", choices=("table", "json"), default="table", help="result format")


def _yes_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yes", "-y", action="store_true", help="approve the writes without asking")


def _namespace_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: without it this sub-parser's default would overwrite a global `aiops -n NS deploy`.
    parser.add_argument("-n", "--namespace", default=argparse.SUPPRESS, metavar="NS",
                        help="namespace of the releases (default: [workflow] namespace)")


def run_doctor(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config
    from aiops_chat.workflow.checklist import Check, Checklist, Status
    from aiops_chat.workflow.doctor import run_doctor as doctor

    cfg = load_config(args.config)
    checklist = Checklist("aiops doctor --llm") if args.llm_only else doctor(cfg, _executor(args, cfg))
    if args.llm or args.llm_only:
        from aiops_chat.llm.probe import probe

        for item in probe(cfg):
            checklist.add(Check(f"llm {item.name}", Status(item.status), item.detail, item.fix,
                                required=args.llm_only or cfg.llm.enabled))
    _emit(args.output, checklist.render_table(), checklist.render_json())
    return checklist.cli_exit_code


def run_cluster_up(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config
    from aiops_chat.errors import UsageError
    from aiops_chat.workflow.cluster_up import MINIKUBE_CONTEXT, ClusterSettings, cluster_up

    if args.context and args.context != MINIKUBE_CONTEXT:
        raise UsageError(f"cluster up manages minikube's own cluster (context {MINIKUBE_CONTEXT}); "
                         f"--context {args.context} does not apply")
    cfg = load_config(args.config)
    wf = cfg.workflow
    settings = ClusterSettings(driver=args.driver or wf.driver, cpus=args.cpus or wf.cpus,
                               memory=args.memory or wf.memory, addons=wf.addons, images=wf.images)
    steps = cluster_up(_executor(args, cfg, context=MINIKUBE_CONTEXT), settings, approver=_approver(args.yes, cfg), progress=_progress)
    _emit(args.output, steps.render_table(), steps.render_json())
    return steps.cli_exit_code


def run_deploy(args: argparse.Namespace) -> int:
    import json

    from aiops_chat.config import load_config
    from aiops_chat.workflow.deploy import DeploySettings, deploy, parse_duration

    cfg = load_config(args.config)
    timeout = args.timeout or cfg.workflow.timeout
    parse_duration(timeout)  # a bad value is a usage error before anything runs
    settings = DeploySettings(charts_dir=_charts_dir(cfg), releases=cfg.workflow.releases, timeout=timeout,
                              set_values=tuple(args.set_values))
    report = deploy(_executor(args, cfg), settings, approver=_approver(args.yes, cfg), progress=_progress)
    _emit(args.output, report.render_text(), json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    return report.steps.cli_exit_code


def run_validate(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config
    from aiops_chat.workflow.validate import ValidateSettings, validate

    cfg = load_config(args.config)
    settings = ValidateSettings(releases=cfg.workflow.releases,
                                backend_url=args.backend_url or cfg.workflow.backend_url,
                                frontend_url=args.frontend_url or cfg.workflow.frontend_url)
    checklist = validate(_executor(args, cfg), settings)
    _emit(args.output, checklist.render_table(), checklist.render_json())
    return checklist.cli_exit_code


def _executor(args: argparse.Namespace, cfg: Config, *, context: str | None = None) -> Executor:
    from aiops_chat.audit import AuditLog
    from aiops_chat.execution import Executor

    audit = AuditLog.for_config(cfg) if cfg.audit.enabled else None
    namespace = getattr(args, "namespace", None) or cfg.workflow.namespace
    return Executor(cfg, context=context or args.context, namespace=namespace, audit=audit, source="cli")


def _approver(yes: bool, cfg: Config) -> Approver:
    from aiops_chat.execution import ApproveWrites, DenyAll

    interactive: Approver | None = None
    if cfg.runtime.is_tty:
        from aiops_chat.cli.prompting import TerminalApprover

        interactive = TerminalApprover()
    return ApproveWrites(fallback=interactive) if yes else (interactive or DenyAll())


def _charts_dir(cfg: Config) -> Path:
    path = Path(cfg.workflow.charts_dir).expanduser()
    return path if path.is_absolute() else cfg.workdir / path


def _progress(line: str) -> None:
    print(visible(f"aiops: {line}"), file=sys.stderr, flush=True)


def _emit(output: str, table: str, json_text: str) -> None:
    sys.stdout.write(json_visible(json_text) + "\n" if output == "json" else visible(table))
