"""`kubectl get --raw PATH`: an allowlist of harmless API paths (health, version, metrics, discovery)."""

from __future__ import annotations

from aiops_chat.policy.refusal import Refusal

_ANY_BELOW = frozenset({"healthz", "livez", "readyz", "openapi"})
_EXACT = frozenset({("version",), ("metrics",), ("api",), ("api", "v1"), ("apis",)})


def check_raw_path(path: str) -> None:
    low = path.lower()
    if "secret" in low:
        raise Refusal("--raw on a Secrets path would print Secret values; it is never allowed")
    if "proxy" in low:
        raise Refusal("--raw on a proxy path reaches nodes, pods or services through the API server; "
                      "it is never allowed")
    if not path.startswith("/") or "%" in path or ".." in path or "\\" in path or "//" in path:
        raise Refusal(f"the --raw path {path} is relative or encoded, so it cannot be checked")
    segments = tuple(s for s in path.split("?", 1)[0].split("/") if s)
    if not segments or segments[0] in _ANY_BELOW or segments in _EXACT:
        return
    if segments[0] == "apis" and (len(segments) <= 3 or segments[1] == "metrics.k8s.io"):
        return  # group/version discovery documents, and the metrics API
    raise Refusal(f"--raw {path} is not a health, version, metrics or API discovery path; "
                  "use kubectl get with a resource instead")
