"""Job: failed jobs (backoff limit, deadline) and jobs whose pods keep failing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, kubectl, make
from aiops_chat.analysis.analyzers.cronjob import latest_jobs
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import (
    Inventory,
    Obj,
    conditions_of,
    controller_ref,
    name_of,
    namespace_of,
    spec_of,
    status_of,
)

NAME = "Job"


def analyze(inv: Inventory) -> Iterator[Finding]:
    latest = latest_jobs(inv)
    for job in inv.all("Job"):
        ns, name = namespace_of(job), name_of(job)
        conds = conditions_of(job)
        if _superseded(inv, job, latest):
            continue
        status = status_of(job)
        failed_cond = conds.get("Failed") or {}
        failed = int(status.get("failed") or 0)
        suggestions = [describe("Job", name, ns), kubectl("logs", f"job/{name}", namespace=ns)]
        parent = inv.root_of(job)
        if spec_of(job).get("suspend") and not _succeeded(conds):
            yield make(NAME, job, "Job", Severity.INFO, "Suspended",
                       "The Job is suspended: it runs no pods until spec.suspend is false.", ["spec.suspend: true"],
                       [kubectl("patch", "job", name, "-p", '{"spec":{"suspend":false}}', namespace=ns)], parent)
        if failed_cond.get("status") == "True":
            reason = str(failed_cond.get("reason") or "Failed")
            why = {
                "BackoffLimitExceeded": f"its pods failed {failed} times, reaching the backoff limit "
                                        f"({spec_of(job).get('backoffLimit', 6)})",
                "DeadlineExceeded": f"it ran longer than activeDeadlineSeconds "
                                    f"({spec_of(job).get('activeDeadlineSeconds')})",
            }.get(reason, str(failed_cond.get("message") or "it failed"))
            yield make(NAME, job, "Job", Severity.CRITICAL, reason, f"The Job failed: {why}.",
                       [f"condition Failed=True: {reason}: {failed_cond.get('message', '')}",
                        f"status: failed={failed}, succeeded={status.get('succeeded', 0)}"], suggestions, parent)
        elif failed and not _succeeded(conds):
            yield make(NAME, job, "Job", Severity.WARNING, "PodFailures",
                       f"{failed} of its pods failed so far; it is retrying.",
                       [f"status: active={status.get('active', 0)}, failed={failed}"], suggestions, parent)


def _superseded(inv: Inventory, job: Obj, latest: dict[tuple[str, str], Obj]) -> bool:
    """A CronJob's old run is history once a newer run completed: the CronJob recovered."""
    ref = controller_ref(job)
    if not ref or ref.get("kind") != "CronJob":
        return False
    newest = latest.get((namespace_of(job), str(ref.get("name"))))
    return newest is not None and newest is not job and \
        (conditions_of(newest).get("Complete") or {}).get("status") == "True"


def _succeeded(conds: Mapping[str, Mapping[str, Any]]) -> bool:
    # SuccessCriteriaMet (1.31+ success policies) precedes Complete; either means the retries paid off.
    return any((conds.get(t) or {}).get("status") == "True" for t in ("Complete", "SuccessCriteriaMet"))
