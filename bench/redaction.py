"""Bench: redaction of adversarial text against ordinary text of the same size, as a ratio.

A workload writes what we redact, and every command output is redacted at least twice (executor, then the
model's view), so a regular expression that backtracks on a crafted log line stalls `aiops ask`. Each input
below is cut to the same size (64 KiB and 256 KiB by default); the figure is the median time of
``redact(text)`` divided by the median for ordinary output (logfmt logs, a `kubectl get -o yaml`, a `describe`,
an events table) of that size, measured alternately in the same process. Goal: every ratio <= 10x, and the
256 KiB ratio no worse than the 64 KiB one (linear, not merely fast on small inputs).

Also prints the catch rate on the security corpus (tests/security/fixtures/redaction_corpus.yaml).

    .venv/bin/python bench/redaction.py [--sizes 65536,262144] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ORDINARY = (
    'ts=2026-11-27T10:00:{s:02d}Z level=info msg="request served" method=GET path=/api/v1/orders/{i} status=200 '
    "duration_ms={i} tokens_used=42 user=u{i} trace_id=4bf92f3577b34da6a3ce929d0e0e{i:04d}\n"
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-7d4b9c-{i:05d}\n  namespace: shop\n"
    '  resourceVersion: "{i}"\n  uid: 6a1b2c3d-4e5f-6071-8293-a4b5c6d7{i:04d}\nspec:\n  containers:\n'
    "  - image: nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c{i:04d}\n"
    "    name: web\n    env:\n    - name: LOG_LEVEL\n      value: info\n"
    "Events:\n  Type     Reason   Age   From     Message\n"
    "  Warning  BackOff  {s}s   kubelet  Back-off restarting failed container web in pod web-{i}\n"
    "NAME                  READY   STATUS    RESTARTS   AGE\nweb-7d4b9c-{i:05d}    1/1     Running   0          5m\n"
)


def ordinary(size: int) -> str:
    parts: list[str] = []
    total = i = 0
    while total < size:
        chunk = ORDINARY.format(i=i, s=i % 60)
        parts.append(chunk)
        total += len(chunk)
        i += 1
    return "".join(parts)[:size]


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


# What a hostile workload can print; each aims at one way a regex engine goes quadratic or worse.
ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "a.a.a. (one line)": _repeat("a."),
    "==== run": _repeat("="),
    ":::: run": _repeat(":"),
    "a=a=a= run": _repeat("a="),
    "password=password=": _repeat("password="),
    "a: a: a: (one line)": _repeat("a: "),
    "base64-ish, no spaces": _repeat("aB3+/x9Z"),
    "eyJ.eyJ. (JWT-ish)": _repeat("eyJ."),
    "-----BEGIN without END": _repeat("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n"),
    "-----END without BEGIN": _repeat("QUJDREVGR0g=\n-----END RSA PRIVATE KEY-----\n"),
    "Secret, 1 key per line": lambda size: ("apiVersion: v1\nkind: Secret\ndata:\n" + "".join(
        f"  k{i}: aHVudGVyMg==\n" for i in range(size // 16)))[:size],
    "deep JSON [[[[": lambda size: "[" * (size // 2) + "]" * (size - size // 2),
    'deep JSON {"a":{"a":': lambda size: _repeat('{"a":')(size),
    "x://x://x:": _repeat("x://x:"),
    "spaces, no newline": _repeat(" "),
    "blank lines": _repeat("\n"),
    "nested block scalars": lambda size: "".join(f"{' ' * (i % 200)}password: |\n" for i in range(size // 100))[:size],
    "ANSI codes": _repeat("\x1b[1;31m"),
    '"k":"k":"k":': _repeat('"k":'),
    "-p-p-p mysql": lambda size: "mysql " + _repeat("-p")(size - 6),
    "cookie:cookie:": _repeat("Cookie: a="),
    "<a<a<a XML": _repeat("<a"),
    "name=value pairs": _repeat('name="a" '),
}


def _pair(adversarial: str, normal: str, rounds: int, redact: Callable[[str], str]) -> tuple[float, float]:
    """Median seconds for each text, timed alternately so machine noise hits both alike."""
    adv, ordi = [], []
    for _ in range(rounds):
        for text, samples in ((adversarial, adv), (normal, ordi)):
            start = time.perf_counter()
            redact(text)
            samples.append(time.perf_counter() - start)
    return statistics.median(adv), statistics.median(ordi)


def corpus_rate() -> str:
    import yaml

    from aiops_chat.redaction import redact

    cases = yaml.safe_load((ROOT / "tests/security/fixtures/redaction_corpus.yaml").read_text(encoding="utf-8"))
    with_secrets = [c for c in cases if c["secrets"]]
    caught = sum(all(s not in redact(c["text"]) for s in c["secrets"]) for c in with_secrets)
    over = sum(any(k not in redact(c["text"]) for k in c["keep"]) for c in cases)
    return (f"corpus: {caught}/{len(with_secrets)} cases with secrets fully masked ({caught / len(with_secrets):.0%}); "
            f"ordinary text lost in {over}/{len(cases)} cases")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="65536,262144")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from aiops_chat.redaction import redact

    sizes = [int(s) for s in args.sizes.split(",")]
    print(corpus_rate())
    worst = 0.0
    header = "".join(f"{f'{s // 1024} KiB ms':>12}{'ratio':>8}" for s in sizes)
    print(f"{'input':<26}{header}   (median of {args.rounds}, alternating with ordinary text)")
    normals = {size: ordinary(size) for size in sizes}
    for text in normals.values():
        redact(text)  # warm the caches
    ordinary_times: dict[int, list[float]] = {size: [] for size in sizes}
    lines = []
    for name, make in ADVERSARIAL.items():
        cells = []
        for size in sizes:
            took, base = _pair(make(size), normals[size], args.rounds, redact)
            ordinary_times[size].append(base)
            cells.append(f"{took * 1000:>12.1f}{took / base:>7.1f}x")
            worst = max(worst, took / base)
        lines.append(f"{name:<26}" + "".join(cells))
    print(f"{'ordinary output':<26}" + "".join(
        f"{statistics.median(ordinary_times[size]) * 1000:>12.1f}{1:>7.1f}x" for size in sizes))
    print("\n".join(lines))
    print(f"worst ratio: {worst:.1f}x (goal <= 10x)")
    return 0 if worst <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
