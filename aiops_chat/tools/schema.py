"""A tool's JSON schema from its Python signature and docstring, and the argument check against it.

The docstring's first paragraph is the tool's description; an ``Args:`` section gives each parameter's.
Parameters with a default are optional. Supported types: str, int, bool, list[str] and Literal[...] of
strings (an enum), each optionally ``| None``. Anything else is a programming error, caught at import.
Defaults are left out of the schema on purpose: every token here is paid on every model call.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

JSON = dict[str, Any]


class SchemaError(TypeError):
    """A tool function whose signature cannot be expressed as a JSON schema. A programming error."""


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    text = inspect.cleandoc(doc or "")
    head, _, rest = text.partition("\nArgs:")
    description = " ".join(head.split("\n\n", 1)[0].split())
    params: dict[str, str] = {}
    current = None
    for line in rest.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        name, sep, desc = stripped.partition(":")
        if sep and name.isidentifier() and line.startswith("    ") and not line.startswith("        "):
            current = name
            params[current] = desc.strip()
        elif current is not None:
            params[current] += " " + stripped
    return description, params


def type_schema(hint: Any, where: str) -> JSON:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise SchemaError(f"{where}: only `X | None` unions are supported")
        return type_schema(args[0], where)
    if hint is str:
        return {"type": "string"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if origin is list and typing.get_args(hint) == (str,):
        return {"type": "array", "items": {"type": "string"}}
    if origin is typing.Literal:
        values = typing.get_args(hint)
        if not all(isinstance(v, str) for v in values):
            raise SchemaError(f"{where}: Literal values must be strings")
        return {"type": "string", "enum": list(values)}
    raise SchemaError(f"{where}: unsupported parameter type {hint!r}")


def function_schema(fn: Callable[..., Any], *, skip: tuple[str, ...] = ()) -> tuple[str, JSON]:
    """(description, parameters schema) for `fn`, leaving out the parameters named in `skip`."""
    description, param_docs = parse_docstring(fn.__doc__)
    if not description:
        raise SchemaError(f"{fn.__name__}: a tool needs a docstring (its description for the model)")
    hints = typing.get_type_hints(fn)
    properties: JSON = {}
    required: list[str] = []
    for name, param in inspect.signature(fn).parameters.items():
        if name in skip:
            continue
        prop = type_schema(hints[name], f"{fn.__name__}({name})")
        if param_docs.get(name):
            prop["description"] = param_docs[name]
        properties[name] = prop
        if param.default is inspect.Parameter.empty:
            required.append(name)
    unknown = set(param_docs) - set(properties)
    if unknown:
        raise SchemaError(f"{fn.__name__}: docstring documents unknown parameters {sorted(unknown)}")
    schema: JSON = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return description, schema


def check_arguments(args: Any, schema: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Validate (and gently coerce: "3" for an integer, "true" for a boolean) the model's arguments.

    Returns (clean arguments, problems); any problem means the call is not run and the model is told why.
    """
    if not isinstance(args, dict):
        return {}, [f"arguments must be a JSON object, got {type(args).__name__}"]
    props: Mapping[str, Any] = schema.get("properties", {})
    problems = [f"missing required argument '{name}'" for name in schema.get("required", ()) if name not in args]
    clean: dict[str, Any] = {}
    for name, value in args.items():
        prop = props.get(name)
        if prop is None:
            problems.append(f"unknown argument '{name}' (expected: {', '.join(props) or 'none'})")
            continue
        if value is None and name not in schema.get("required", ()):
            continue
        ok, coerced = _coerce(value, prop)
        if not ok:
            problems.append(f"argument '{name}' must be {_describe(prop)}, got {value!r}")
        else:
            clean[name] = coerced
    return clean, problems


def _coerce(value: Any, prop: Mapping[str, Any]) -> tuple[bool, Any]:
    kind = prop.get("type")
    if kind == "string":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return False, value
        text = str(value)
        if "enum" in prop and text not in prop["enum"]:
            return False, value
        return True, text
    if kind == "integer":
        if isinstance(value, bool):
            return False, value
        if isinstance(value, int):
            return True, value
        if isinstance(value, float) and value.is_integer():
            return True, int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return True, int(value.strip())
        return False, value
    if kind == "boolean":
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return True, value.lower() == "true"
        return False, value
    if kind == "array":
        if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool)
                                           for v in value):
            return True, [str(v) for v in value]
        return False, value
    return False, value  # pragma: no cover - schemas come from type_schema


def _describe(prop: Mapping[str, Any]) -> str:
    if "enum" in prop:
        return "one of " + ", ".join(repr(v) for v in prop["enum"])
    return {"string": "a string", "integer": "an integer", "boolean": "true or false",
            "array": "an array of strings"}.get(str(prop.get("type")), str(prop.get("type")))
