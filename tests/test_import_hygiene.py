"""The layering, checked two ways.

Statically: an AST scan of every module finds which ones import `textual`, `openai` or `kubernetes`, at
any depth (deferred imports included), and only the one owner of each may. At run time: the light CLI
paths load none of the three, which only a fresh interpreter's `sys.modules` can prove (a deferral that
stopped deferring looks fine to the static scan).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aiops_chat"
HEAVY = ("textual", "openai", "kubernetes", "mcp", "mcp_types", "uvicorn")

# Which part of the package may import each SDK: a directory (package) or a single module file.
OWNERS: dict[str, Path] = {
    "textual": PACKAGE / "tui",
    "openai": PACKAGE / "llm",
    "kubernetes": PACKAGE / "kube_gateway.py",
    # The MCP SDK, its protocol types and the HTTP server it runs on: only `aiops mcp` loads them.
    "mcp": PACKAGE / "mcp",
    "mcp_types": PACKAGE / "mcp",
    "uvicorn": PACKAGE / "mcp",
}


def imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _is_import_module(node) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                roots.add(arg.value.split(".")[0])
    return roots


def _is_import_module(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in ("import_module", "__import__"))


def _owned(path: Path, owner: Path) -> bool:
    return path == owner or owner in path.parents


def offenders() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {sdk: [] for sdk in HEAVY}
    for path in sorted(PACKAGE.rglob("*.py")):
        roots = imported_roots(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for sdk in HEAVY:
            if sdk in roots and not _owned(path, OWNERS[sdk]):
                found[sdk].append(str(path.relative_to(PACKAGE.parent)))
    return found


@pytest.mark.parametrize("sdk", HEAVY)
def test_only_the_owner_imports_the_sdk(sdk: str) -> None:
    assert offenders()[sdk] == [], f"only {OWNERS[sdk].relative_to(PACKAGE.parent)} may import {sdk}"


def test_the_scan_sees_deferred_and_dynamic_imports() -> None:
    # The guard is only worth something if it would catch the ways an import hides.
    source = (
        "def f():\n    import textual.app\n"
        "def g():\n    from openai import OpenAI\n"
        "import importlib\nimportlib.import_module('kubernetes.client')\n"
    )
    assert imported_roots(ast.parse(source)) >= {"textual", "openai", "kubernetes"}
    assert not _owned(PACKAGE / "agent" / "session.py", OWNERS["textual"])
    assert _owned(PACKAGE / "tui" / "widgets" / "chat" / "prompt.py", OWNERS["textual"])


PROBE = """
import json, sys
from aiops_chat.cli.main import main
try:
    code = main({argv!r})
except SystemExit as exc:
    code = exc.code
except Exception as exc:
    code = repr(exc)
print(json.dumps({{"loaded": [m for m in {heavy!r} if m in sys.modules], "code": code}}), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["policy", "check", "--", "kubectl", "get", "pods"],
                                  ["mcp", "--help"]],
                         ids=["version", "help", "policy-check", "mcp-help"])
def test_light_commands_load_no_sdk(argv: list[str], tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "KUBECONFIG": str(tmp_path / "none")}
    proc = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1, None), f"`aiops {' '.join(argv)}` failed: {report['code']}"
    assert report["loaded"] == [], f"`aiops {' '.join(argv)}` imported {report['loaded']}"
