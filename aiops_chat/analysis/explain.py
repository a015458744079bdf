"""--explain: ask the language model for cause and fix per finding group, cached on disk.

The cache key hashes what identifies the problem (kind, namespace, name, analyzer, reason of each finding)
and the model, not restart counts or event tallies, so the same broken Deployment is explained once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from aiops_chat.analysis.anonymize import Anonymizer
from aiops_chat.analysis.api import compact_findings
from aiops_chat.analysis.findings import Finding, FindingGroup, group_findings
from aiops_chat.analysis.inventory import Inventory
from aiops_chat.errors import LLMError
from aiops_chat.redaction import redact

if TYPE_CHECKING:
    from aiops_chat.config import Config

MAX_GROUPS = 10  # bounds the cost of one run; the rest is reported as not explained


class TextCompleter(Protocol):
    def complete_text(self, system: str, user: str) -> str: ...


def cache_key(group: FindingGroup, model: str, anonymized: bool) -> str:
    identity = [(f.kind, f.namespace, f.name, f.analyzer, f.reason) for f in group.findings]
    raw = json.dumps({"model": model, "anonymized": anonymized, "findings": identity}, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def explain(
    findings: Sequence[Finding],
    cfg: Config,
    *,
    inventory: Inventory | None = None,
    anonymize: bool = False,
    scope: str = "a Kubernetes cluster",
    client: TextCompleter | None = None,
    use_cache: bool = True,
) -> tuple[dict[str, str], list[str]]:
    """Explanations by group title, and notes (cache hits, groups left unexplained)."""
    from aiops_chat.llm.templates import render_prompt

    groups = group_findings(findings)
    cache_dir = Path(cfg.cache_dir) / "explain"
    anonymizer = Anonymizer.for_findings(findings, inventory) if anonymize else None
    system = render_prompt("explain", scope=anonymizer.anonymize(scope) if anonymizer else scope)
    out: dict[str, str] = {}
    notes: list[str] = []
    hits = 0
    for group in groups[:MAX_GROUPS]:
        path = cache_dir / f"{cache_key(group, cfg.llm.model, anonymize)}.json"
        if use_cache and path.is_file():
            try:
                out[group.title] = json.loads(path.read_text(encoding="utf-8"))["text"]
                hits += 1
                continue
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache entry is simply asked again
        # Evidence quotes event messages and termination logs, which can carry credentials.
        user = redact(compact_findings(list(group.findings), limit=1), cfg.redaction.extra_patterns)
        if anonymizer is not None:
            user = anonymizer.anonymize(user)
        try:
            if client is None:
                from aiops_chat.llm.client import LLMClient

                client = LLMClient.from_config(cfg)
            answer = client.complete_text(system, user)
        except LLMError as exc:
            # The findings stand on their own; a missing model costs the explanations, not the analysis.
            unexplained = len(groups[:MAX_GROUPS]) - len(out)
            notes.append(f"explain: the explanation is unavailable for {unexplained} group(s): {exc}; "
                         "the findings are the deterministic analysis")
            break
        if anonymizer is not None:
            answer = anonymizer.restore(answer)
        out[group.title] = answer
        if use_cache:
            _store(path, answer)
    if hits:
        notes.append(f"explain: {hits} group(s) answered from the cache in {cache_dir}")
    if len(groups) > MAX_GROUPS:
        notes.append(f"explain: only the {MAX_GROUPS} worst groups were explained, {len(groups) - MAX_GROUPS} not")
    return out, notes


def _store(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"text": text}), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only cache costs a repeated question, not the answer
