"""Slash commands typed in the prompt: parsing and the help text, no UI."""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS: dict[str, str] = {
    "help": "show commands and keys",
    "analyze": "open the health panel (findings grouped by root cause)",
    "context": "[NAME]: switch kube context (no name: pick from the kubeconfig); the tier follows",
    "namespace": "NS: act in another namespace",
    "model": "NAME: use another model for the next turns",
    "clear": "forget the conversation and clear the screen",
    "sessions": "[ID]: list the saved sessions, or continue one (its history goes back to the model; approvals never do)",
    "export": "[DIR]: write the session as a Markdown runbook and a shell script of the approved commands",
    "quit": "leave aiops chat",
}
ALIASES = {"q": "quit", "exit": "quit", "ns": "namespace", "ctx": "context", "h": "help", "?": "help"}


@dataclass(frozen=True)
class SlashCommand:
    name: str  # canonical name, or what the user typed when unknown
    arg: str
    known: bool


def parse_slash(text: str) -> SlashCommand | None:
    """``/context prod`` -> SlashCommand("context", "prod"); None when the text is not a slash command."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    head, _, arg = stripped[1:].partition(" ")
    name = ALIASES.get(head.lower(), head.lower())
    return SlashCommand(name=name, arg=arg.strip(), known=name in COMMANDS)


def help_markdown(bindings: list[tuple[str, str]]) -> str:
    lines = ["**Commands**", ""]
    for name, text in COMMANDS.items():
        usage, sep, rest = text.partition(": ")
        if sep and (usage.isupper() or usage.startswith("[")):
            lines.append(f"- `/{name} {usage}`: {rest}")
        else:
            lines.append(f"- `/{name}`: {text}")
    lines += ["", "**Keys**", ""]
    lines += [f"- `{key}`: {text}" for key, text in bindings]
    lines += ["", "Drag over text with the mouse and press ctrl+c to copy it (or use the terminal's own selection, "
              "usually shift+drag); f4 copies the last answer as Markdown.",
              "Anything else you type goes to the assistant. `//text` sends text starting with a slash."]
    return "\n".join(lines)
