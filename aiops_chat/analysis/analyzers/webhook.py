"""Validating and Mutating webhooks: a backing Service that is missing or has no ready pods."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import describe, kubectl, make, unverified
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, Obj, conditions_of, name_of, spec_of

NAME = "Webhook"
KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")


def analyze(inv: Inventory) -> Iterator[Finding]:
    for kind in KINDS:
        for cfg in inv.all(kind):
            for hook in cfg.get("webhooks") or ():
                svc_ref = (hook.get("clientConfig") or {}).get("service")
                if not svc_ref:
                    continue  # a URL webhook: nothing in the cluster to check
                yield from _check(inv, kind, cfg, hook, svc_ref)


def _check(inv: Inventory, kind: str, cfg: Obj, hook: Obj, svc_ref: Obj) -> Iterator[Finding]:
    ns, svc_name = str(svc_ref.get("namespace") or ""), str(svc_ref.get("name") or "")
    if not inv.covers_namespace(ns):
        return  # the webhook's Service lives outside the scope that was read
    if not inv.has("Service"):
        yield unverified(NAME, cfg, kind, "Service", svc_name, f"webhook {hook.get('name') or '?'}",
                         ref_namespace=ns)
        return
    # admissionregistration/v1 defaults to Fail: a dead webhook then blocks every matching API request.
    fails_closed = hook.get("failurePolicy", "Fail") == "Fail"
    severity = Severity.CRITICAL if fails_closed else Severity.WARNING
    effect = ("every matching API request is rejected" if fails_closed
              else "its checks are silently skipped (failurePolicy Ignore)")
    hook_name = str(hook.get("name") or "?")
    evidence = [f"webhook {hook_name}: service {ns}/{svc_name}, failurePolicy {hook.get('failurePolicy', 'Fail')}"]
    svc = inv.get("Service", ns, svc_name)
    if svc is None:
        yield make(NAME, cfg, kind, severity, "ServiceNotFound",
                   f"Webhook {hook_name} calls Service {ns}/{svc_name}, which does not exist; {effect}.",
                   evidence, [kubectl("get", "services", namespace=ns), describe(kind, name_of(cfg), None)])
        return
    selector = spec_of(svc).get("selector")
    if not selector or not inv.has("Pod"):
        return
    pods = inv.pods_matching(ns, selector)
    if not any((conditions_of(p).get("Ready") or {}).get("status") == "True" for p in pods):
        yield make(NAME, cfg, kind, severity, "NoReadyPods",
                   f"Webhook {hook_name} calls Service {ns}/{svc_name}, which has no ready pods; {effect}.",
                   [*evidence, f"pods behind the service: {len(pods)}, ready: 0"],
                   [kubectl("get", "endpoints", svc_name, namespace=ns), describe(kind, name_of(cfg), None)])
