"""`aiops completion`: scripts generated from the parser; the bash one is run by a real bash."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aiops_chat.cli.completion_cmd import command_tree
from aiops_chat.cli.main import build_parser, main


def _script(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


def _complete(script: Path, *words: str) -> list[str]:
    """What bash offers for the last of ``words`` (the word being typed), as the shell would call it."""
    quoted = " ".join(f"'{w}'" for w in words)
    program = (f"source {script}\nCOMP_WORDS=({quoted})\nCOMP_CWORD={len(words) - 1}\n"
               "_aiops_complete\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                         check=True)
    return [line for line in out.stdout.splitlines() if line]


@pytest.fixture
def bash_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "aiops.bash"
    path.write_text(_script("bash", capsys))
    return path


def test_bash_script_is_valid_and_registered(bash_script: Path) -> None:
    subprocess.run(["bash", "-n", str(bash_script)], check=True)
    out = subprocess.run(["bash", "--norc", "-c", f"source {bash_script}; complete -p aiops kubectl-aiops"],
                         capture_output=True, text=True, check=True).stdout
    assert "complete -F _aiops_complete aiops" in out and "kubectl-aiops" in out


def test_bash_completes_every_command_of_the_parser(bash_script: Path) -> None:
    # Generated from the parser: whatever build_parser registers is offered, nothing else.
    commands = set(command_tree(build_parser())[()].commands)
    assert {"ask", "chat", "analyze", "run", "policy", "doctor", "completion"} <= commands
    assert set(_complete(bash_script, "aiops", "")) == commands
    assert _complete(bash_script, "aiops", "pol") == ["policy"]
    assert _complete(bash_script, "kubectl-aiops", "an") == ["analyze"]


@pytest.mark.parametrize(("words", "expected"), [
    (("aiops", "policy", ""), ["check"]),
    (("aiops", "cluster", ""), ["up"]),
    (("aiops", "policy", "check", "--o"), ["--output"]),
    (("aiops", "analyze", "--output", ""), ["table", "json", "markdown"]),
    (("aiops", "analyze", "--fail-on", "c"), ["critical"]),
    (("aiops", "--context", "dev", "ch"), ["chat"]),  # a global flag's value is not a command
    (("aiops", "completion", ""), ["bash", "zsh", "fish"]),
    (("aiops", "run", "--", "kub"), []),  # after --: a kubectl argv, not ours to complete
])
def test_bash_completes_in_context(bash_script: Path, words: tuple[str, ...], expected: list[str]) -> None:
    assert _complete(bash_script, *words) == expected


def test_bash_completes_file_names_for_path_flags(bash_script: Path, tmp_path: Path) -> None:
    (tmp_path / "snap-cluster.yaml").write_text("{}")
    assert _complete(bash_script, "aiops", "analyze", "--snapshot", str(tmp_path / "snap-")) == \
        [str(tmp_path / "snap-cluster.yaml")]


def test_zsh_and_fish_scripts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    zsh = _script("zsh", capsys)
    assert zsh.startswith("#compdef aiops kubectl-aiops") and "bashcompinit" in zsh and "_aiops_complete()" in zsh
    fish = _script("fish", capsys)
    assert "complete -c aiops -n __fish_use_subcommand -a policy" in fish
    assert "-l output -s o -x -a 'text json'" in fish  # ask's --output, with its short form and choices
    for shell, check in (("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])):
        if shutil.which(check[0]):  # syntax-checked where the shell is installed
            path = tmp_path / f"aiops.{shell}"
            path.write_text(zsh if shell == "zsh" else fish)
            subprocess.run([*check, str(path)], check=True)


def test_main_commands_show_examples() -> None:
    for argv in (["ask"], ["analyze"], ["run"], ["chat"], ["policy", "check"], ["doctor"], ["cluster", "up"],
                 ["deploy"], ["validate"], ["completion"]):
        out = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *argv, "--help"], capture_output=True,
                             text=True, check=True).stdout
        examples = out.split("examples:\n", 1)
        assert len(examples) == 2, f"aiops {' '.join(argv)} --help has no examples"
        assert "aiops " in examples[1].splitlines()[0], examples[1]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh not installed")
def test_zsh_runs_the_function(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # zsh's own completion filters by the typed prefix (compadd); what is checked here is what the
    # function offers under bashcompinit, where zsh arrays would otherwise start at 1.
    path = tmp_path / "aiops.zsh"
    path.write_text(_script("zsh", capsys))

    def offered(*words: str) -> set[str]:
        quoted = " ".join(f"'{w}'" for w in words)
        program = (f"autoload -U compinit && compinit -u; source {path}; COMP_WORDS=({quoted}); "
                   f"COMP_CWORD={len(words) - 1}; COMPREPLY=(); _aiops_complete; print -l -- $COMPREPLY")
        out = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True, check=True).stdout
        return set(out.split())

    assert offered("aiops", "policy", "") == {"check"}
    assert offered("aiops", "analyze", "--output", "") == {"table", "json", "markdown"}
    assert "chat" in offered("aiops", "--context", "dev", "")


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish not installed")
def test_fish_completes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "aiops.fish"
    path.write_text(_script("fish", capsys))

    def offered(line: str) -> set[str]:
        out = subprocess.run(["fish", "--no-config", "-c", f"source {path}; complete -C '{line}'"],
                             capture_output=True, text=True, check=True).stdout
        return {row.split("\t")[0] for row in out.splitlines() if row}

    assert offered("aiops pol") == {"policy"}
    assert offered("aiops policy ") == {"check"}
    assert offered("aiops analyze --output ") == {"table", "json", "markdown"}
    assert {"--offline", "--output", "--yes"} <= offered("aiops ask --")


def test_examples_keep_a_command_s_own_epilog(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "exit status:" in out and "context:" in out
