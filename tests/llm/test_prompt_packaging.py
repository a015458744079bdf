"""The prompt files ship inside a non-editable wheel (aiops_chat/prompts is a symlink to ../prompts)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_the_prompt_files(tmp_path: Path) -> None:
    # Build from a copy of the tracked tree plus the prompts, so a stray build/ in the checkout cannot help.
    src = tmp_path / "src"
    shutil.copytree(ROOT / "aiops_chat", src / "aiops_chat", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "prompts", src / "prompts")
    shutil.copy(ROOT / "pyproject.toml", src / "pyproject.toml")
    (src / "README.md").write_text("aiops-chat\n")
    assert (src / "aiops_chat" / "prompts").is_symlink()
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                           str(src)], capture_output=True, text=True, timeout=240, check=False)
    if proc.returncode != 0 and ("Could not find a version" in proc.stderr or "NewConnectionError" in proc.stderr):
        pytest.skip("building a wheel needs setuptools from PyPI, which is unreachable")
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("aiops_chat-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {"aiops_chat/prompts/system.md", "aiops_chat/prompts/explain.md"} <= names
        assert zf.read("aiops_chat/prompts/system.md") == (ROOT / "prompts" / "system.md").read_bytes()
