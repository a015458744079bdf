"""Schemas from signatures and docstrings, and the argument check the runner applies to model output."""

from __future__ import annotations

from typing import Literal

import pytest

from aiops_chat.tools.registry import default_registry
from aiops_chat.tools.schema import SchemaError, check_arguments, function_schema, parse_docstring


def sample(target: str, replicas: int, force: bool = False, mode: Literal["a", "b"] | None = None,
           args: list[str] | None = None) -> list[str]:
    """Do a thing to a target.

    More words that are not part of the description.

    Args:
        target: e.g. deployment/web
        replicas: how many,
            continued on the next line
    """
    return []


def test_schema_from_signature_and_docstring() -> None:
    description, schema = function_schema(sample)
    assert description == "Do a thing to a target."
    assert schema == {
        "type": "object",
        "properties": {
            "target": {"type": "string", "description": "e.g. deployment/web"},
            "replicas": {"type": "integer", "description": "how many, continued on the next line"},
            "force": {"type": "boolean"},
            "mode": {"type": "string", "enum": ["a", "b"]},
            "args": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["target", "replicas"],
    }


def test_parse_docstring_without_args() -> None:
    assert parse_docstring("One line.") == ("One line.", {})


def test_unsupported_types_and_missing_docstrings_fail_at_definition() -> None:
    def no_doc(x: str) -> list[str]:
        return []

    def bad_type(x: dict[str, str]) -> list[str]:
        """Bad."""
        return []

    def documents_ghost(x: str) -> list[str]:
        """Doc.

        Args:
            y: not a parameter
        """
        return []

    for fn in (no_doc, bad_type, documents_ghost):
        with pytest.raises(SchemaError):
            function_schema(fn)


@pytest.mark.parametrize(
    ("args", "clean", "problem"),
    [
        ({"target": "d/w", "replicas": 3}, {"target": "d/w", "replicas": 3}, None),
        ({"target": "d/w", "replicas": "3"}, {"target": "d/w", "replicas": 3}, None),  # models send numbers as text
        ({"target": "d/w", "replicas": 3.0}, {"target": "d/w", "replicas": 3}, None),
        ({"target": "d/w", "replicas": 1, "force": "true"}, {"target": "d/w", "replicas": 1, "force": True}, None),
        ({"target": "d/w", "replicas": 1, "mode": None}, {"target": "d/w", "replicas": 1}, None),
        ({"target": "d/w"}, None, "missing required argument 'replicas'"),
        ({"target": "d/w", "replicas": "three"}, None, "argument 'replicas' must be an integer"),
        ({"target": "d/w", "replicas": True}, None, "argument 'replicas' must be an integer"),
        ({"target": "d/w", "replicas": 1, "mode": "c"}, None, "must be one of 'a', 'b'"),
        ({"target": "d/w", "replicas": 1, "args": "get pods"}, None, "must be an array of strings"),
        ({"target": "d/w", "replicas": 1, "colour": "red"}, None, "unknown argument 'colour'"),
        ({"target": ["d/w"], "replicas": 1}, None, "argument 'target' must be a string"),
        ([1, 2], None, "arguments must be a JSON object"),
    ],
)
def test_check_arguments(args: object, clean: dict[str, object] | None, problem: str | None) -> None:
    _, schema = function_schema(sample)
    got, problems = check_arguments(args, schema)
    if problem is None:
        assert problems == []
        assert got == clean
    else:
        assert any(problem in p for p in problems), problems


def test_registry_has_the_issue_tools_with_valid_schemas() -> None:
    registry = default_registry()
    names = registry.names()
    for required in ("kubectl", "helm", "get", "describe", "logs", "events", "top", "rollout", "scale",
                     "set_image", "helm_release", "helm_install", "analyze_cluster"):
        assert required in names
    for schema in registry.schemas():
        fn = schema["function"]
        assert schema["type"] == "function" and fn["description"]
        assert fn["parameters"]["type"] == "object"
        assert set(fn["parameters"].get("required", [])) <= set(fn["parameters"]["properties"])
    # The generic tools take exactly {"args": [...]}.
    for name in ("kubectl", "helm"):
        params = registry.get(name).parameters  # type: ignore[union-attr]
        assert params["properties"] == {"args": {"type": "array", "items": {"type": "string"},
                                                 "description": params["properties"]["args"]["description"]}}
        assert params["required"] == ["args"]
