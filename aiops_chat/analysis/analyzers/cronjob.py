"""CronJob (batch/v1 and batch/v1beta1): invalid schedules, suspension, and a failing latest run."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import describe, kubectl, make
from aiops_chat.analysis.cron import schedule_problem
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import (
    Inventory,
    Obj,
    conditions_of,
    controller_ref,
    meta,
    name_of,
    namespace_of,
    spec_of,
)

NAME = "CronJob"


def analyze(inv: Inventory) -> Iterator[Finding]:
    latest_job = latest_jobs(inv)
    for cj in inv.all("CronJob"):
        ns, name = namespace_of(cj), name_of(cj)
        spec = spec_of(cj)
        schedule = str(spec.get("schedule") or "")
        problem = schedule_problem(schedule)
        if problem:
            yield make(NAME, cj, "CronJob", Severity.CRITICAL, "InvalidSchedule",
                       f"The schedule {schedule!r} is invalid ({problem}), so the CronJob never runs.",
                       [f"spec.schedule: {schedule!r}"], [describe("CronJob", name, ns)])
        deadline = spec.get("startingDeadlineSeconds")
        if isinstance(deadline, int) and deadline < 0:
            yield make(NAME, cj, "CronJob", Severity.WARNING, "NegativeStartingDeadline",
                       f"startingDeadlineSeconds is {deadline}: every scheduled run counts as missed, so it never "
                       "starts a Job.",
                       [f"spec.startingDeadlineSeconds: {deadline}"],
                       [kubectl("patch", "cronjob", name, "-p", '{"spec":{"startingDeadlineSeconds":null}}',
                                namespace=ns), describe("CronJob", name, ns)])
        if spec.get("suspend"):
            yield make(NAME, cj, "CronJob", Severity.INFO, "Suspended",
                       "The CronJob is suspended and schedules no new runs.", ["spec.suspend: true"],
                       [kubectl("patch", "cronjob", name, "-p", '{"spec":{"suspend":false}}', namespace=ns)])
        job = latest_job.get((ns, name))
        if job is not None and (conditions_of(job).get("Failed") or {}).get("status") == "True":
            failed = conditions_of(job)["Failed"]
            yield make(NAME, cj, "CronJob", Severity.WARNING, "LastRunFailed",
                       f"Its latest run, Job {name_of(job)}, failed ({failed.get('reason', 'Failed')}).",
                       [f"job {name_of(job)}: condition Failed=True: {failed.get('reason', '')}: {failed.get('message', '')}"],
                       [describe("Job", name_of(job), ns), kubectl("logs", f"job/{name_of(job)}", namespace=ns)])


def latest_jobs(inv: Inventory) -> dict[tuple[str, str], Obj]:
    """The newest Job of each CronJob, by (namespace, cronjob name)."""
    latest: dict[tuple[str, str], Obj] = {}
    for job in inv.all("Job"):
        ref = controller_ref(job)
        if not ref or ref.get("kind") != "CronJob":
            continue
        key = (namespace_of(job), str(ref.get("name")))
        current = latest.get(key)
        if current is None or str(meta(job).get("creationTimestamp") or "") > str(meta(current).get("creationTimestamp") or ""):
            latest[key] = job
    return latest
