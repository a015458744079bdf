"""A faithful reading of cobra/pflag command lines (the parser kubectl, helm and minikube all use).

The policy must see the same verb, flags and positionals the binary will see, or a value could be taken
for a resource name (or the other way round). So this follows pflag's rules exactly: `--flag=value`,
`--flag value` unless the flag is boolean or has an optional value, `-n ns`, `-nns`, `-n=ns`, clustered
booleans `-Aw`, `--` ends flags, a lone `-` is a positional. Cobra finds the subcommand from the first
positional at each level. Anything the tables do not know is refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from aiops_chat.policy.refusal import Refusal


class Kind(Enum):
    BOOL = "bool"          # value only as --flag=true/false
    VALUE = "value"        # needs a value: --flag=v or --flag v
    OPTIONAL = "optional"  # pflag NoOptDefVal: value only as --flag=v; a bare --flag means "no value given"


@dataclass(frozen=True)
class Flag:
    long: str
    short: str | None
    kind: Kind


@dataclass(frozen=True)
class FlagTable:
    by_long: Mapping[str, Flag]
    by_short: Mapping[str, Flag]

    @classmethod
    def parse(cls, spec: str) -> FlagTable:
        """Build from the notation `s|long=` (takes a value), `long?` (optional value), `long` (boolean)."""
        by_long: dict[str, Flag] = {}
        by_short: dict[str, Flag] = {}
        for item in spec.split():
            short, _, name = item.rpartition("|")
            kind = Kind.BOOL
            if name.endswith("="):
                kind, name = Kind.VALUE, name[:-1]
            elif name.endswith("?"):
                kind, name = Kind.OPTIONAL, name[:-1]
            flag = Flag(name, short or None, kind)
            by_long[name] = flag
            if short:
                by_short[short] = flag
        return cls(by_long, by_short)

    def __or__(self, other: FlagTable) -> FlagTable:
        """The tables merged, ``other`` winning (a command's local flag shadows a global one, as in cobra)."""
        # Tables are module constants: merge each pair once, not on every evaluate() call.
        key = (id(self), id(other))
        hit = _MERGED.get(key)
        if hit is None or hit[0] is not self or hit[1] is not other:
            merged = FlagTable({**self.by_long, **other.by_long}, {**self.by_short, **other.by_short})
            hit = _MERGED[key] = (self, other, merged)
        return hit[2]


_MERGED: dict[tuple[int, int], tuple[FlagTable, FlagTable, FlagTable]] = {}


EMPTY = FlagTable({}, {})


@dataclass(frozen=True)
class Command:
    """One node of a binary's command tree. ``denied`` marks commands refused before their flags are read."""

    name: str  # the canonical command path, "rollout restart", whatever alias was typed
    flags: FlagTable = field(default=EMPTY, repr=False)
    children: Mapping[str, Command] = field(default_factory=dict, repr=False)
    denied: str | None = None


def tree(*commands: tuple[Sequence[str], Command]) -> dict[str, Command]:
    """Children keyed by every alias cobra accepts for them."""
    out: dict[str, Command] = {}
    for names, command in commands:
        for name in names:
            out[name] = command
    return out


@dataclass
class Parsed:
    path: tuple[str, ...]
    command: Command
    positionals: list[str]
    flags: list[tuple[str, str | None]]
    after_dashdash: list[str] | None = None

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self.flags)

    def values(self, name: str) -> list[str]:
        return [v for n, v in self.flags if n == name and v is not None]

    def last(self, name: str) -> str | None:
        found = self.values(name)
        return found[-1] if found else None

    def enabled(self, name: str) -> bool:
        """A boolean flag's final value (pflag: the last occurrence wins)."""
        found = [v for n, v in self.flags if n == name]
        return bool(found) and found[-1] == "true"

    def names(self) -> set[str]:
        return {n for n, _ in self.flags}


_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


def _bool_value(flag: Flag, raw: str) -> str:
    if raw in _TRUE:
        return "true"
    if raw in _FALSE:
        return "false"
    raise Refusal(f"--{flag.long}={raw} is not a boolean, so the command is ambiguous")


def _flag_error(token: str) -> Refusal:
    return Refusal(f"the flag {token} is not one the policy knows for this command, so it cannot be checked")


def scan(args: Sequence[str], table: FlagTable, *, subcommand_search: bool = False
         ) -> tuple[list[str], list[tuple[str, str | None]], list[str] | None]:
    """Split args into positionals, (flag, value) pairs and what follows `--`, the way pflag does.

    ``subcommand_search`` stops at the first positional and skips unknown `--name=value` tokens: while
    cobra looks for a subcommand it does the same, and the subcommand's own table checks them afterwards.
    """
    positionals: list[str] = []
    flags: list[tuple[str, str | None]] = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token == "--":
            return positionals, flags, list(args[i:])
        if token.startswith("--"):
            name, eq, raw = token[2:].partition("=")
            if not name or name.startswith("-"):
                raise Refusal(f"{token} is not a valid flag")
            flag = table.by_long.get(name)
            if flag is None:
                if subcommand_search and eq:
                    continue
                raise _flag_error(f"--{name}")
            if eq:
                flags.append((flag.long, _bool_value(flag, raw) if flag.kind is Kind.BOOL else raw))
            elif flag.kind is Kind.VALUE:
                if i >= len(args):
                    raise Refusal(f"--{name} needs a value")
                flags.append((flag.long, args[i]))
                i += 1
            else:
                flags.append((flag.long, "true" if flag.kind is Kind.BOOL else None))
        elif token.startswith("-") and token != "-":
            shorts = token[1:]
            clustered = len(shorts) > 1
            while shorts:
                flag = table.by_short.get(shorts[0])
                if flag is None:
                    raise _flag_error(f"-{shorts[0]}")
                if len(shorts) > 2 and shorts[1] == "=":
                    raw, shorts = shorts[2:], ""
                    value: str | None = _bool_value(flag, raw) if flag.kind is Kind.BOOL else raw
                elif flag.kind is not Kind.VALUE:
                    value, shorts = ("true" if flag.kind is Kind.BOOL else None), shorts[1:]
                elif len(shorts) > 1:
                    value, shorts = shorts[1:], ""
                else:
                    if i >= len(args):
                        raise Refusal(f"-{flag.short} needs a value")
                    if clustered:
                        # cobra's subcommand search and pflag disagree on whether `-An x` consumes x.
                        raise Refusal(f"{token} followed by a separate value is ambiguous; give each flag on its own")
                    value, shorts = args[i], ""
                    i += 1
                flags.append((flag.long, value))
        else:
            positionals.append(token)
            if subcommand_search:
                break
    return positionals, flags, None


def parse(args: Sequence[str], root: Command, global_flags: FlagTable) -> Parsed:
    """Find the command the way cobra does, then parse every argument with that command's flags.

    Stops early at a denied command: its flags are not ours to understand.
    """
    node, path, rest = root, [], list(args)
    while node.children:
        table = global_flags | node.flags
        positionals, _, _ = scan(_before_dashdash(rest), table, subcommand_search=True)
        if not positionals or positionals[0] not in node.children:
            break
        word = positionals[0]
        _remove_positional(rest, word, table)
        node = node.children[word]
        path.append(word)
        if node.denied is not None:
            return Parsed(tuple(path), node, [], [], None)
    positionals, flags, after = scan(rest, global_flags | node.flags)
    return Parsed(tuple(path), node, positionals, flags, after)


def _before_dashdash(args: list[str]) -> list[str]:
    return args[: args.index("--")] if "--" in args else args


def _remove_positional(args: list[str], word: str, table: FlagTable) -> None:
    """Remove the first occurrence of ``word`` that is a positional, not a flag's value (cobra's argsMinusFirstX)."""
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            break
        if token.startswith("-") and token != "-" and "=" not in token:
            flag = table.by_long.get(token[2:]) if token.startswith("--") else (
                table.by_short.get(token[1]) if len(token) == 2 else None)
            if flag is not None and flag.kind is Kind.VALUE:
                i += 2
                continue
        elif token == word:
            del args[i]
            return
        i += 1
    raise Refusal(f"cannot tell where the command {word} is in the arguments")
