"""Prompt files: Markdown in `prompts/` (shipped inside the package as `aiops_chat/prompts`).

Placeholders are named, `${name}`; `$$` is a literal dollar. Rendering is strict both ways: a placeholder
nobody supplied and a value no placeholder uses are both a TemplateError, so a renamed placeholder cannot
silently send the model an empty slot.
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources

from aiops_chat.errors import TemplateError

PACKAGE = "aiops_chat"
FOLDER = "prompts"


@lru_cache(maxsize=16)
def load_prompt(name: str) -> str:
    """The raw text of `prompts/<name>.md`."""
    path = resources.files(PACKAGE).joinpath(FOLDER, f"{name}.md")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(f"prompt {name!r} not found ({FOLDER}/{name}.md is missing from the package)") from None


def placeholders(text: str) -> set[str]:
    found: set[str] = set()
    for _escaped, named, braced, _invalid in string.Template.pattern.findall(text):
        if named or braced:
            found.add(named or braced)
    return found


def render_prompt(name: str, **values: object) -> str:
    text = load_prompt(name)
    wanted = placeholders(text)
    missing = sorted(wanted - values.keys())
    if missing:
        raise TemplateError(f"prompt {name!r} needs {', '.join(missing)}, which the caller did not supply")
    unused = sorted(values.keys() - wanted)
    if unused:
        raise TemplateError(f"prompt {name!r} has no placeholder for {', '.join(unused)}")
    try:
        return string.Template(text).substitute({k: str(v) for k, v in values.items()}).strip() + "\n"
    except ValueError as exc:  # a stray "$" not followed by a name
        raise TemplateError(f"prompt {name!r}: {exc} (write $$ for a literal dollar)") from None
