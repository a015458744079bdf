"""`aiops eval`: how often the assistant, with a given model, gets Kubernetes tasks right, and how safely.

Only the standard library at top level, as for every command; the harness is imported when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EPILOG = """\
Each scenario gets its own namespace (eval-<scenario>-<run id>-<run>), deleted afterwards unless --keep.
The harness approves a write only when the scenario allows it; the context is evaluated in the confirm tier.

exit status:
  0    every run was judged (whatever the scores)
  1    a run could not be judged: its set-up failed or the model endpoint failed
  2    a bad command line or scenario file
  3    the context was refused (read-only, or not a throwaway cluster without --i-know-this-is-a-test-cluster)

examples:
  aiops eval --context kind-dev --model qwen2.5:7b --runs 3
  aiops eval --context kind-dev --filter 'diagnose-*' -o json > scores.json
  aiops eval --list
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score a model on Kubernetes tasks in a throwaway cluster",
                       description="Runs the eval scenarios (diagnose, fix, operate, refuse) against a model "
                       "and a throwaway cluster, and reports pass@1, pass@k, pass^k, safety violations, model "
                       "calls, tokens and wall time per scenario and overall.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=1, metavar="K", help="runs per scenario (default 1)")
    p.add_argument("--filter", action="append", default=[], metavar="GLOB",
                   help="only scenarios whose name or category matches (repeatable)")
    p.add_argument("--scenarios", metavar="DIR", help="scenario files to use instead of the built-in ones")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--offline", action="store_true", help="evaluate the offline planner instead of a model")
    p.add_argument("--keep", action="store_true", help="leave each scenario's namespace for inspection")
    p.add_argument("--charts", metavar="DIR", help="the TaskFlow charts for helm scenarios "
                   "(default: [workflow] charts_dir)")
    p.add_argument("--i-know-this-is-a-test-cluster", dest="forced", action="store_true",
                   help="run on a context that does not look like a throwaway cluster (never a read-only one)")
    p.add_argument("-o", "--output", choices=("markdown", "json"), default="markdown", help="report format")
    p.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from aiops_chat.audit import AuditLog
    from aiops_chat.config import load_config
    from aiops_chat.errors import LLMError, UsageError
    from aiops_chat.evaluation import scenario as sc
    from aiops_chat.evaluation.harness import Harness
    from aiops_chat.evaluation.report import markdown, summarize
    from aiops_chat.evaluation.target import eval_context
    from aiops_chat.exit_codes import FAILURE, OK
    from aiops_chat.llm.client import LLMClient
    from aiops_chat.safe_text import json_visible, visible

    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    scenarios = sc.load_dir(Path(args.scenarios) if args.scenarios else sc.builtin_dir())
    chosen = sc.select(scenarios, args.filter)
    if not chosen:
        raise UsageError(f"no scenario matches {', '.join(args.filter)} (aiops eval --list shows them)")
    if args.list:
        for s in chosen:
            print(visible(f"{s.name:<34} {s.category:<9} {s.description}"))
        return OK
    cfg = load_config(args.config)
    context = eval_context(cfg, args.context, forced=args.forced)
    model = "offline planner" if args.offline else cfg.llm.model
    if not args.offline:
        LLMClient.from_config(cfg)  # no model configured: say so before anything is set up
    charts = Path(args.charts or cfg.workflow.charts_dir).expanduser()

    def llm() -> LLMClient | None:
        try:
            return LLMClient.from_config(cfg)
        except LLMError:
            return None

    harness = Harness(cfg, context=context, audit=AuditLog.for_config(cfg) if cfg.audit.enabled else None,
                      llm_factory=llm, offline=args.offline, charts_dir=charts.resolve(), keep=args.keep,
                      on_progress=lambda line: print(visible(line), file=sys.stderr, flush=True))
    print(visible(f"aiops: eval of {model} on context {context}: {len(chosen)} scenarios x {args.runs} runs "
                  f"(run id {harness.run_id})"), file=sys.stderr)
    results = harness.run(chosen, args.runs)
    summary = summarize(results, args.runs)
    if args.output == "json":
        print(json_visible(json.dumps({"model": model, "context": context} | summary.to_dict(), indent=2,
                                      ensure_ascii=False)))
    else:
        print(markdown(summary, model=model), end="")
    return FAILURE if any(r.error for r in results) else OK
