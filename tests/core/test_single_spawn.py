"""Every process aiops starts goes through one helper, execution/spawn.py, behind the executor's pipeline.

An AST scan of the whole package: no other module may import a process-starting module or call a
process-starting function (os.system, os.popen, os.exec*, os.spawn*, os.posix_spawn*, os.fork, pty,
asyncio's subprocess helpers), deferred imports and importlib included. Only the executor may import the
spawn helper itself, so kubectl, helm, minikube, kubectl-ai and docker all start after a policy decision
(or as a fixed LocalCommand) and an audit entry.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_import_hygiene import PACKAGE, imported_roots

SPAWNER = PACKAGE / "execution" / "spawn.py"
EXECUTOR = PACKAGE / "execution" / "executor.py"
PROCESS_MODULES = {"subprocess", "pty", "multiprocessing", "pexpect", "sh", "plumbum"}
OS_SPAWNING = {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp", "execv", "execve", "execl",
               "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe",
               "spawnv", "spawnve", "spawnvp", "spawnvpe"}
ASYNCIO_SPAWNING = {"create_subprocess_exec", "create_subprocess_shell"}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _spawning_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr in OS_SPAWNING:
                found.append(f"os.{node.attr}")
            if node.value.id == "asyncio" and node.attr in ASYNCIO_SPAWNING:
                found.append(f"asyncio.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "asyncio"):
            found += [f"from {node.module} import {a.name}" for a in node.names
                      if a.name in OS_SPAWNING | ASYNCIO_SPAWNING]
    return found


def _imports_spawn_helper(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("aiops_chat.execution.spawn",):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "aiops_chat.execution" and any(
                a.name == "spawn" for a in node.names):
            return True
        if isinstance(node, ast.Import) and any(a.name == "aiops_chat.execution.spawn" for a in node.names):
            return True
    return False


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_spawn_helper_starts_processes(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if path == SPAWNER:
        return
    assert not imported_roots(tree) & PROCESS_MODULES, f"{path.name} imports a process module"
    assert _spawning_calls(tree) == [], f"{path.name} starts a process outside execution/spawn.py"
    if path != EXECUTOR:
        assert not _imports_spawn_helper(tree), f"{path.name} calls the spawn helper around the executor"


def test_the_scan_sees_what_it_looks_for() -> None:
    """The scan would catch today's spawner and the forms it forbids (a scan that sees nothing passes too)."""
    assert imported_roots(ast.parse(SPAWNER.read_text())) & PROCESS_MODULES == {"subprocess"}
    sneaky = ast.parse("import os\ndef f():\n    import importlib\n    importlib.import_module('subprocess')\n"
                       "    os.system('kubectl get pods')\n    from os import posix_spawn\n")
    assert "subprocess" in imported_roots(sneaky)
    assert sorted(_spawning_calls(sneaky)) == ["from os import posix_spawn", "os.system"]
    assert _imports_spawn_helper(ast.parse("from aiops_chat.execution.spawn import spawn"))
