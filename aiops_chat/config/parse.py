"""From TOML text to validated values, and from layers of values to one Config.

A *layer* is what one source says: a file, an environment variable, a command-line flag. Each key is
checked where it is read, so an error names the file (or variable) and the key; checks that need the whole
configuration run last and name the source the offending key came from.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiops_chat.config.model import SECTIONS, TIER_NAMES, TOOL_MODES, Config, Runtime
from aiops_chat.errors import ConfigError

# Keys naming a program aiops starts. A relative path would run whatever the current directory holds (a
# cloned repository's `.ci/kubectl`), so only an absolute path or a bare name looked up on PATH is taken.
BINARY_KEYS = frozenset({"kube.kubectl", "kube.helm", "kube.minikube"})
# A kubeconfig can start programs too (a user's `exec` credential plugin): the same rule, minus bare names.
ABSOLUTE_PATH_KEYS = frozenset({"kube.kubeconfig"})


@dataclass(frozen=True)
class Layer:
    """The values one source sets, as "section.key" -> checked value."""

    source: str  # what messages and `config show` name: a path, "$AIOPS_MODEL", "--model"
    values: dict[str, Any]
    project: bool = False  # a working-directory file: it may only tighten (see project.py)
    file: bool = True  # False for an environment variable or a flag


def parse_layer(text: str, *, source: str, project: bool = False) -> Layer:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    values: dict[str, Any] = {}
    for section, table in data.items():
        if section not in SECTIONS:
            raise ConfigError(f"{source}: unknown section [{section}] (known: {', '.join(sorted(SECTIONS))})")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: key '{section}' must be a table [{section}], got {type(table).__name__}")
        cls = SECTIONS[section]
        hints = typing.get_type_hints(cls)
        known = {f.name for f in dataclasses.fields(cls)}
        for key, value in table.items():
            dotted = f"{section}.{key}"
            if key not in known:
                raise ConfigError(f"{source}: unknown key '{dotted}' "
                                  f"(known keys in [{section}]: {', '.join(sorted(known))})")
            values[dotted] = check_value(dotted, value, hints[key], source=source)
    return Layer(source, values, project)


def check_value(key: str, value: Any, hint: Any, *, source: str) -> Any:
    if key == "policy.tiers":
        return _parse_tiers(value, source=source)
    coerced = _coerce(value, hint, source=source, key=key)
    if key in BINARY_KEYS:
        return _program_path(coerced, key=key, source=source)
    if key in ABSOLUTE_PATH_KEYS and coerced:
        path = Path(coerced).expanduser()
        if not path.is_absolute():
            raise ConfigError(f"{source}: key '{key}' must be an absolute path (or start with ~), got {coerced!r}: "
                              "a relative one would depend on the current directory")
        return str(path)
    return coerced


def _program_path(value: str, *, key: str, source: str) -> str:
    if not value:
        raise ConfigError(f"{source}: key '{key}' must name a program, got an empty string")
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    if "/" in value or "\\" in value:
        raise ConfigError(f"{source}: key '{key}' must be an absolute path or a bare name looked up on PATH, "
                          f"got {value!r}: a relative path would run whatever the current directory holds")
    return value


def _parse_tiers(value: Any, *, source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{source}: key 'policy.tiers' expected an array of tables like "
                          f"{{context = \"*prod*\", tier = \"read-only\"}}, got {type(value).__name__}")
    rules = []
    for i, item in enumerate(value):
        key = f"policy.tiers[{i}]"
        if not isinstance(item, dict) or set(item) != {"context", "tier"}:
            raise ConfigError(f"{source}: key '{key}' expected a table with exactly 'context' and 'tier'")
        if not isinstance(item["context"], str) or not item["context"]:
            raise ConfigError(f"{source}: key '{key}.context' expected a non-empty glob string")
        if item["tier"] not in TIER_NAMES:
            raise ConfigError(f"{source}: key '{key}.tier' expected one of {', '.join(TIER_NAMES)}, got {item['tier']!r}")
        rules.append((item["context"], item["tier"]))
    return tuple(rules)


def _coerce(value: Any, hint: Any, *, source: str, key: str) -> Any:
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{source}: key '{key}' expected true or false, got {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{source}: key '{key}' expected an integer, got {value!r}")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{source}: key '{key}' expected a number, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{source}: key '{key}' expected a string, got {value!r}")
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: key '{key}' expected an array of strings, got {value!r}")
        return tuple(value)
    raise ConfigError(f"{source}: key '{key}' has an unsupported type")  # pragma: no cover - programming error


def default_of(key: str) -> Any:
    section, name = key.split(".", 1)
    return getattr(SECTIONS[section](), name)


def build_config(values: dict[str, Any], origins: dict[str, str], *, runtime: Runtime,
                 files: Iterable[str] = ()) -> Config:
    """The Config from merged values; then the checks that need more than one key."""
    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        own = {key.split(".", 1)[1]: value for key, value in values.items() if key.split(".", 1)[0] == name}
        sections[name] = cls(**own)
    files = tuple(files)
    cfg = Config(**sections, runtime=runtime, source=files[-1] if files else None, files=files,
                 origins=tuple(sorted(origins.items())))
    check_config(cfg)
    return cfg


def check_config(cfg: Config) -> None:
    def bad(key: str, expected: str, got: Any) -> ConfigError:
        return ConfigError(f"{cfg.origin(key)}: key '{key}' expected {expected}, got {got!r}")

    if cfg.policy.default_tier not in TIER_NAMES:
        raise bad("policy.default_tier", "one of " + ", ".join(TIER_NAMES), cfg.policy.default_tier)
    if cfg.llm.tool_mode not in TOOL_MODES:
        raise bad("llm.tool_mode", " or ".join(f'"{m}"' for m in TOOL_MODES), cfg.llm.tool_mode)
    if cfg.llm.provider not in ("openai", "azure"):
        raise bad("llm.provider", '"openai" or "azure"', cfg.llm.provider)
    if cfg.llm.provider == "azure" and not cfg.llm.api_version:
        raise ConfigError(f"{cfg.origin('llm.provider')}: key 'llm.api_version' is required when "
                          "llm.provider = \"azure\"")
    if cfg.llm.base_url and not cfg.llm.base_url.startswith(("http://", "https://")):
        raise bad("llm.base_url", "an http:// or https:// URL", cfg.llm.base_url)
    if not cfg.llm.model:
        raise bad("llm.model", "a model name", cfg.llm.model)
    for key, number in (
        ("llm.timeout", cfg.llm.timeout),
        ("llm.connect_timeout", cfg.llm.connect_timeout),
        ("executor.timeout", cfg.executor.timeout),
        ("kube.request_timeout", cfg.kube.request_timeout),
    ):
        if number <= 0:
            raise bad(key, "a positive number of seconds", number)
    for key, count in (
        ("llm.max_retries", cfg.llm.max_retries),
        ("llm.context_tokens", cfg.llm.context_tokens),
        ("agent.max_repeats", cfg.agent.max_repeats),
    ):
        if count < 0:
            raise bad(key, "an integer >= 0", count)
    for key, count in (
        ("llm.max_tokens", cfg.llm.max_tokens),
        ("agent.max_steps", cfg.agent.max_steps),
        ("agent.output_token_budget", cfg.agent.output_token_budget),
        ("executor.max_output_bytes", cfg.executor.max_output_bytes),
        ("policy.auto_max_replicas", cfg.policy.auto_max_replicas),
        ("workflow.cpus", cfg.workflow.cpus),
        ("workflow.memory", cfg.workflow.memory),
    ):
        if count < 1:
            raise bad(key, "an integer >= 1", count)
    if not 0.0 <= cfg.llm.temperature <= 2.0:
        raise bad("llm.temperature", "a number from 0 to 2", cfg.llm.temperature)
    for key, value in (("audit.hmac_key_file", cfg.audit.hmac_key_file), ("audit.head_copy", cfg.audit.head_copy)):
        # Beside the log, whoever can rewrite the log could rewrite (or read) these too.
        where = Path(value).expanduser()
        if value and (not where.is_absolute() or where.resolve().is_relative_to(cfg.audit_path.parent.resolve())):
            raise bad(key, f"an absolute path outside the audit log's directory {cfg.audit_path.parent}", value)
    for i, pattern in enumerate(cfg.redaction.extra_patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{cfg.origin('redaction.extra_patterns')}: key 'redaction.extra_patterns[{i}]' "
                              f"expected a valid regular expression ({exc}), got {pattern!r}") from None
