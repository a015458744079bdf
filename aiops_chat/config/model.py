"""The configuration's shape: one frozen dataclass per TOML section, and the Config that holds them.

Where the values come from (files, their trust, the environment) is `load.py`'s business; this module only
says what a configuration is, so everything else can build one in a test without touching a file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIER_NAMES = ("read-only", "confirm", "auto")  # strictest first
TOOL_MODES = ("auto", "native", "json")
SECRET_KEYS = frozenset({"api_key"})
# The rules that apply when [policy] tiers is empty (the policy package reads them from here).
BUILTIN_TIER_RULES: tuple[tuple[str, str], ...] = (("*prod*", "read-only"), ("*production*", "read-only"))


@dataclass(frozen=True)
class LLMConfig:
    """An OpenAI-compatible endpoint. Empty strings fall back to the openai SDK's own variables."""

    base_url: str = ""
    api_key: str = ""
    model: str = "gpt-4o-mini"
    provider: str = "openai"  # "openai" or "azure"
    api_version: str = ""  # Azure only
    timeout: float = 30.0  # to the first byte: a person is waiting (issue 13 item 6)
    connect_timeout: float = 5.0
    max_retries: int = 3
    temperature: float = 0.0
    max_tokens: int = 1024
    stream: bool = True
    enabled: bool = True
    # How tools reach the model: "native" (the API's tools), "json" (a prompt-level protocol for models
    # without tool calling, aiops_chat/llm/json_tools.py), "auto" (from the endpoint's capabilities).
    tool_mode: str = "auto"
    context_tokens: int = 0  # the model's context window; 0 = what the server reports, if it does


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
    # Exact context names (case-insensitive) that are read-only whatever `tiers` says: for production
    # clusters whose names do not say so.
    read_only_contexts: tuple[str, ...] = ()
    protected_namespaces: tuple[str, ...] = ("kube-system", "kube-public", "kube-node-lease")
    helm_repos: tuple[str, ...] = ()
    workdir: str = ""
    allow_minikube: bool = True
    auto_max_replicas: int = 10


@dataclass(frozen=True)
class ExecutorConfig:
    timeout: float = 30.0  # to the first byte: a person is waiting (issue 13 item 6)
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
    # Names (not values) of the credential variables the Azure SDK reads by itself when given no key.
    azure_credential_vars: tuple[str, ...] = ()


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
    source: str | None = None  # the last file applied, or None for built-in defaults
    files: tuple[str, ...] = ()  # every file applied, in order
    # "section.key" -> where its value came from (a file, "$AIOPS_MODEL", "--model"); absent = default.
    origins: tuple[tuple[str, str], ...] = ()

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

    def origin(self, key: str) -> str:
        """Where the effective value of a "section.key" came from: a file, an env var, a flag, or "default"."""
        if key == "llm.api_key" and not self.llm.api_key:
            return "$OPENAI_API_KEY" if self.runtime.openai_api_key else "default"
        if key == "llm.base_url" and not self.llm.base_url:
            return "$OPENAI_BASE_URL" if self.runtime.openai_base_url else "default"
        return dict(self.origins).get(key, "default")


SECTIONS: dict[str, type] = {
    "llm": LLMConfig, "kube": KubeConfig, "policy": PolicyConfig, "executor": ExecutorConfig, "audit": AuditConfig,
    "redaction": RedactionConfig, "agent": AgentConfig, "analysis": AnalysisConfig, "workflow": WorkflowConfig,
}
