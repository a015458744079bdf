"""Redaction against a corpus of the forms secrets really take in output (tests/security/fixtures/).

Each case says which values must vanish and which ordinary text next to them must survive verbatim, so the
corpus guards against over-redaction (pod names, digests, uids, counters named like tokens) as much as leaks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops_chat.redaction import MASK, redact

CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "redaction_corpus.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"] for c in CORPUS])
def test_secret_values_vanish_and_ordinary_text_stays(case: dict[str, Any]) -> None:
    out = redact(case["text"])
    leaked = [s for s in case["secrets"] if s in out]
    lost = [k for k in case["keep"] if k not in out]
    assert not leaked, f"leaked {leaked} in {out!r}"
    assert not lost, f"lost {lost} in {out!r}"
    if case["secrets"]:
        assert MASK in out
    else:
        assert out == case["text"]


def test_redaction_is_idempotent_on_the_corpus() -> None:
    # Output is redacted at least twice (executor, then the model's view): the second pass must not shift it.
    for case in CORPUS:
        once = redact(case["text"])
        assert redact(once) == once, case["name"]


def test_the_corpus_covers_what_issue_9_lists() -> None:
    names = " ".join(c["name"] for c in CORPUS)
    for form in ("logfmt", "ansi", "url password", "stripe", "github", "gitlab", "vault", "sendgrid",
                 "huggingface", "npm", "digitalocean", "slack", "azure sas", "aws", "cookie", "query string",
                 "curl -u", "mysql", "--token", "--password", "block scalar", "flow-style", "kind Secret with a comment",
                 "json secret inside a log line", "go map", "xml", "env dump", "authorization basic", "kubeconfig"):
        assert form in names, form


def test_an_ordinary_pod_is_untouched_as_yaml_and_as_json() -> None:
    # secretKeyRef, secretName, serviceAccountToken, imagePullSecrets, checksum/secret, PASSWORD_FILE, digests,
    # uids and managedFields all name or point at secrets without holding one.
    import json

    text = (Path(__file__).parent / "fixtures" / "ordinary_pod.yaml").read_text(encoding="utf-8")
    assert redact(text) == text
    as_json = json.dumps(yaml.safe_load(text), indent=4)
    assert redact(as_json) == as_json
    lines = "\n".join(json.dumps(yaml.safe_load(text), indent=4) for _ in range(2))  # not one document
    assert redact(lines) == lines
