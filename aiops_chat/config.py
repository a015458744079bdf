"""Configuration: one frozen, typed object built in one place.

Search order for the file: ``--config PATH``, ``$AIOPS_CONFIG``, ``./aiops.toml``,
``$XDG_CONFIG_HOME/aiops/config.toml`` (``~/.config/aiops/config.toml``). No file at all is fine: every key
has a default. This is the only module that reads the process environment; everything else receives what it
needs from :class:`Config`, so tests can build any situation without touching ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiops_chat.errors import ConfigError

TIER_NAMES = ("read-only", "confirm", "auto")
SECRET_KEYS = frozenset({"api_key"})


@dataclass(frozen=True)
class LLMConfig:
    """An OpenAI-compatible endpoint. Empty strings fall back to the openai SDK's own variables."""

    base_url: str = ""
    api_key: str = ""
    model: str = "gpt-4o-mini"
    provider: str = "openai"  # "openai" or "azure"
    api_version: str = ""  # Azure only
    timeout: float = 60.0
    connect_timeout: float = 10.0
    max_retries: int = 3
    temperature: float = 0.0
    max_tokens: int = 1024
    stream: bool = True
    enabled: bool = True


@dataclass(frozen=True)
class KubeConfig:
    kubeconfig: str = ""
    context: str = ""
    namespace: str = ""
    kubectl: str = "kubectl"
    helm: str = "helm"
    minikube: str = "minikube"
    request_timeout: float = 20.0


@dataclass(frozen=True)
class PolicyConfig:
    default_tier: str = "confirm"
    # First match wins; when empty, the built-in rules make *prod* and *production* read-only.
    tiers: tuple[tuple[str, str], ...] = ()
    protected_namespaces: tuple[str, ...] = ("kube-system", "kube-public", "kube-node-lease")
    helm_repos: tuple[str, ...] = ()
    workdir: str = ""
    allow_minikube: bool = True
    auto_max_replicas: int = 10


@dataclass(frozen=True)
class ExecutorConfig:
    timeout: float = 60.0
    max_output_bytes: int = 65536


@dataclass(frozen=True)
class AuditConfig:
    path: str = ""
    enabled: bool = True
    hmac_key_file: str = ""  # a key outside the log's directory: entries and head carry an HMAC (audit.py)
    head_copy: str = ""  # a second place for the head file, outside the log's directory


@dataclass(frozen=True)
class RedactionConfig:
    extra_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgentConfig:
    max_steps: int = 10
    output_token_budget: int = 2000
    max_repeats: int = 1


@dataclass(frozen=True)
class AnalysisConfig:
    cache_dir: str = ""
    best_practices: bool = False


@dataclass(frozen=True)
class WorkflowConfig:
    driver: str = "docker"
    cpus: int = 2
    memory: int = 4096
    addons: tuple[str, ...] = ("dashboard", "metrics-server")
    images: tuple[str, ...] = ("taskflow-backend:1.0.0", "taskflow-frontend:1.0.0")
    charts_dir: str = "charts"
    releases: tuple[str, ...] = ("taskflow-backend", "taskflow-frontend")
    namespace: str = "default"
    timeout: str = "180s"
    backend_url: str = ""
    frontend_url: str = ""


@dataclass(frozen=True)
class Runtime:
    """What the process environment says, captured once."""

    path: str = ""
    home: str = ""
    user: str = ""
    kubeconfig_env: str = ""
    openai_api_key: str = ""
    openai_base_url: str = ""
    state_dir: str = ""
    cache_dir: str = ""
    lang: str = "C.UTF-8"
    is_tty: bool = False
    # Variables kubectl, helm and minikube need to find their own state; nothing with credentials.
    tool_env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Config:
    llm: LLMConfig = field(default_factory=LLMConfig)
    kube: KubeConfig = field(default_factory=KubeConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    redaction: RedactionConfig = field(default_factory=RedactionConfig)
    agent: AgentConfig = field(default_factory=AgentConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    workflow: WorkflowConfig = field(default_factory=WorkflowConfig)
    runtime: Runtime = field(default_factory=Runtime)
    source: str | None = None  # the file it came from, or None for built-in defaults

    # Derived values, so no caller re-implements the fallbacks.
    @property
    def api_key(self) -> str:
        return self.llm.api_key or self.runtime.openai_api_key

    @property
    def base_url(self) -> str:
        return self.llm.base_url or self.runtime.openai_base_url

    @property
    def kubeconfig(self) -> str:
        return self.kube.kubeconfig or self.runtime.kubeconfig_env

    @property
    def audit_path(self) -> Path:
        return Path(self.audit.path).expanduser() if self.audit.path else Path(self.runtime.state_dir) / "audit.jsonl"

    @property
    def cache_dir(self) -> Path:
        return Path(self.analysis.cache_dir).expanduser() if self.analysis.cache_dir else Path(self.runtime.cache_dir)

    @property
    def workdir(self) -> Path:
        return Path(self.policy.workdir).expanduser().resolve() if self.policy.workdir else Path.cwd()

    def replace(self, **sections: Any) -> Config:
        return dataclasses.replace(self, **sections)


_SECTIONS: dict[str, type] = {
    "llm": LLMConfig, "kube": KubeConfig, "policy": PolicyConfig, "executor": ExecutorConfig, "audit": AuditConfig,
    "redaction": RedactionConfig, "agent": AgentConfig, "analysis": AnalysisConfig, "workflow": WorkflowConfig,
}


TOOL_ENV_NAMES = (
    "KUBECACHEDIR", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME", "MINIKUBE_HOME", "DOCKER_HOST",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "TMPDIR",
)


def runtime_from_environ(environ: Mapping[str, str] | None = None, *, is_tty: bool = False) -> Runtime:
    env = os.environ if environ is None else environ
    home = env.get("HOME", str(Path.home()))
    state = env.get("XDG_STATE_HOME") or str(Path(home) / ".local" / "state")
    cache = env.get("XDG_CACHE_HOME") or str(Path(home) / ".cache")
    return Runtime(
        path=env.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        home=home,
        user=env.get("USER") or env.get("LOGNAME") or "unknown",
        kubeconfig_env=env.get("KUBECONFIG", ""),
        openai_api_key=env.get("OPENAI_API_KEY", ""),
        openai_base_url=env.get("OPENAI_BASE_URL", ""),
        state_dir=str(Path(state) / "aiops"),
        cache_dir=str(Path(cache) / "aiops"),
        lang=env.get("LANG", "C.UTF-8"),
        is_tty=is_tty,
        tool_env=tuple((name, env[name]) for name in TOOL_ENV_NAMES if env.get(name)),
    )


def find_config_file(explicit: str | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """Apply the documented search order; an explicitly named file must exist."""
    env = os.environ if environ is None else environ
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (given with --config)")
        return path
    if env.get("AIOPS_CONFIG"):
        path = Path(env["AIOPS_CONFIG"]).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (named by $AIOPS_CONFIG)")
        return path
    local = Path("aiops.toml")
    if local.is_file():
        return local
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    user = Path(xdg) / "aiops" / "config.toml"
    return user if user.is_file() else None


def load_config(
    explicit: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    is_tty: bool | None = None,
) -> Config:
    """Build the Config: defaults, then the file (if any), then the environment's runtime facts."""
    env = os.environ if environ is None else environ
    tty = is_tty if is_tty is not None else _stdin_is_tty()
    runtime = runtime_from_environ(env, is_tty=tty)
    path = find_config_file(explicit, env)
    if path is None:
        return Config(runtime=runtime)
    return parse_config_text(path.read_text(encoding="utf-8"), source=str(path), runtime=runtime)


def parse_config_text(text: str, *, source: str, runtime: Runtime | None = None) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    sections: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _SECTIONS:
            raise ConfigError(f"{source}: unknown section [{key}] (known: {', '.join(sorted(_SECTIONS))})")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: key '{key}' must be a table [{key}], got {_type_name(value)}")
        sections[key] = _build_section(_SECTIONS[key], value, source=source, prefix=key)
    cfg = Config(**sections, runtime=runtime or Runtime(), source=source)
    _check_values(cfg, source)
    return cfg


def _build_section(cls: type, raw: dict[str, Any], *, source: str, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}.{key}"
        if key not in known:
            raise ConfigError(f"{source}: unknown key '{dotted}' (known keys in [{prefix}]: {', '.join(sorted(known))})")
        if cls is PolicyConfig and key == "tiers":
            values[key] = _parse_tiers(value, source=source)
            continue
        values[key] = _coerce(value, hints[key], source=source, key=dotted)
    return cls(**values)


def _parse_tiers(value: Any, *, source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{source}: key 'policy.tiers' expected an array of tables like "
                          f"{{context = \"*prod*\", tier = \"read-only\"}}, got {_type_name(value)}")
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
    origin = typing.get_origin(hint)
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
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: key '{key}' expected an array of strings, got {value!r}")
        return tuple(value)
    raise ConfigError(f"{source}: key '{key}' has an unsupported type")  # pragma: no cover - programming error


def _check_values(cfg: Config, source: str) -> None:
    def bad(key: str, expected: str, got: Any) -> ConfigError:
        return ConfigError(f"{source}: key '{key}' expected {expected}, got {got!r}")

    if cfg.policy.default_tier not in TIER_NAMES:
        raise bad("policy.default_tier", "one of " + ", ".join(TIER_NAMES), cfg.policy.default_tier)
    if cfg.llm.provider not in ("openai", "azure"):
        raise bad("llm.provider", '"openai" or "azure"', cfg.llm.provider)
    if cfg.llm.provider == "azure" and not cfg.llm.api_version:
        raise ConfigError(f"{source}: key 'llm.api_version' is required when llm.provider = \"azure\"")
    if cfg.llm.base_url and not cfg.llm.base_url.startswith(("http://", "https://")):
        raise bad("llm.base_url", "an http:// or https:// URL", cfg.llm.base_url)
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
    import re

    for i, pattern in enumerate(cfg.redaction.extra_patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise bad(f"redaction.extra_patterns[{i}]", f"a valid regular expression ({exc})", pattern) from None


def masked(cfg: Config) -> dict[str, Any]:
    """The config as plain data for `aiops config show`, secrets masked."""
    out: dict[str, Any] = {}
    for name in _SECTIONS:
        section = dataclasses.asdict(getattr(cfg, name))
        for key in SECRET_KEYS & set(section):
            if section[key]:
                section[key] = _mask(section[key])
        if name == "policy":
            section["tiers"] = [{"context": c, "tier": t} for c, t in cfg.policy.tiers]
        out[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
    out["effective"] = {
        "config_file": cfg.source,
        "api_key": _mask(cfg.api_key) if cfg.api_key else "(none)",
        "base_url": cfg.base_url or "(openai default)",
        "kubeconfig": cfg.kubeconfig or "(kubectl default)",
        "audit_path": str(cfg.audit_path),
        "cache_dir": str(cfg.cache_dir),
    }
    return out


def _mask(secret: str) -> str:
    return "****" if len(secret) < 12 else f"{secret[:3]}…{secret[-2:]}"


def _type_name(value: Any) -> str:
    return type(value).__name__


def _stdin_is_tty() -> bool:
    import sys

    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
