"""The cobra/pflag reading of argv: the same verb, flags and positionals the binaries see."""

from __future__ import annotations

import pytest

from aiops_chat.policy.grammar import Command, FlagTable, parse, scan, tree
from aiops_chat.policy.refusal import Refusal

TABLE = FlagTable.parse("n|namespace= o|output= A|all-namespaces w|watch dry-run? f|filename=")
GLOBAL = FlagTable.parse("n|namespace= h|help")
ROOT = Command("", children=tree(
    (("get",), Command("get", FlagTable.parse("o|output= A|all-namespaces"))),
    (("create",), Command("create", FlagTable.parse("f|filename="), tree(
        (("deployment", "deploy"), Command("create deployment", FlagTable.parse("image= r|replicas="))),
    ))),
))


@pytest.mark.parametrize(("args", "positionals", "flags", "after"), [
    (["pods", "-n", "x"], ["pods"], [("namespace", "x")], None),
    (["-nx", "pods"], ["pods"], [("namespace", "x")], None),
    (["-n=x", "pods"], ["pods"], [("namespace", "x")], None),
    (["--namespace=x", "pods"], ["pods"], [("namespace", "x")], None),
    (["--namespace", "-x"], [], [("namespace", "-x")], None),           # a value may start with "-"
    (["-Aw", "pods"], ["pods"], [("all-namespaces", "true"), ("watch", "true")], None),
    (["-A=false"], [], [("all-namespaces", "false")], None),
    (["-Aoyaml"], [], [("all-namespaces", "true"), ("output", "yaml")], None),
    (["--dry-run", "server"], ["server"], [("dry-run", None)], None),  # optional value: only with "="
    (["--dry-run=server"], [], [("dry-run", "server")], None),
    (["-f", "-"], [], [("filename", "-")], None),
    (["-", "pods"], ["-", "pods"], [], None),
    (["pods", "--", "-n", "x"], ["pods"], [], ["-n", "x"]),
])
def test_scan(args: list[str], positionals: list[str], flags: list[tuple[str, str | None]],
              after: list[str] | None) -> None:
    assert scan(args, TABLE) == (positionals, flags, after)


@pytest.mark.parametrize(("args", "fragment"), [
    (["--nope"], "not one the policy knows"),
    (["-x"], "not one the policy knows"),
    (["-o"], "needs a value"),
    (["--output"], "needs a value"),
    (["-An", "x"], "ambiguous"),
    (["--watch=perhaps"], "not a boolean"),
    (["---watch"], "not a valid flag"),
    (["--=x"], "not a valid flag"),
])
def test_scan_refuses(args: list[str], fragment: str) -> None:
    with pytest.raises(Refusal, match=fragment):
        scan(args, TABLE)


@pytest.mark.parametrize(("args", "path", "positionals"), [
    (["get", "pods"], ("get",), ["pods"]),
    (["-n", "get", "get", "pods"], ("get",), ["pods"]),       # the first "get" is -n's value
    (["create", "deploy", "x", "--image=nginx"], ("create", "deploy"), ["x"]),
    (["create", "--image=nginx", "deployment", "x"], ("create", "deployment"), ["x"]),
    (["create", "-f", "deployment"], ("create",), []),        # "deployment" is a file name here
    (["create", "x"], ("create",), ["x"]),
    (["--", "get", "pods"], (), []),
])
def test_parse_finds_the_command_like_cobra(args: list[str], path: tuple[str, ...], positionals: list[str]) -> None:
    parsed = parse(args, ROOT, GLOBAL)
    assert parsed.path == path
    assert parsed.positionals == positionals


def test_flags_of_a_subcommand_are_unknown_to_its_parent() -> None:
    with pytest.raises(Refusal):
        parse(["get", "pods", "--image=x"], ROOT, GLOBAL)
