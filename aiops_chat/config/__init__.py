"""Configuration: one frozen, typed object built in one place.

- `model`: the dataclasses (what a configuration is).
- `parse`: TOML text to checked values, values to a Config.
- `load`: the search order, the environment, and how far each source is trusted.
- `project`: what a trusted working-directory `./aiops.toml` may change (only ever tighten the policy).
- `trust`: the user's list of trusted working-directory files (path + SHA-256).
- `show`: the effective configuration with secrets masked and each key's origin.

No file at all is fine: every key has a default. `load` is the only module that reads the process
environment; everything else receives what it needs from :class:`Config`.
"""

from __future__ import annotations

from aiops_chat.config.load import (
    ConfigRequest,
    ProjectFile,
    load_config,
    runtime_from_environ,
    trust_store,
    user_config_file,
)
from aiops_chat.config.model import (
    BUILTIN_TIER_RULES,
    SECRET_KEYS,
    TIER_NAMES,
    AgentConfig,
    AnalysisConfig,
    AuditConfig,
    Config,
    ExecutorConfig,
    KubeConfig,
    LLMConfig,
    PolicyConfig,
    RedactionConfig,
    Runtime,
    WorkflowConfig,
)
from aiops_chat.config.parse import parse_layer
from aiops_chat.config.show import masked


def parse_config_text(text: str, *, source: str, runtime: Runtime | None = None) -> Config:
    """A Config from one file's text, as if it were the user's own (trusted) file."""
    from aiops_chat.config.load import merge_layers

    layer = parse_layer(text, source=source)
    return merge_layers([layer], runtime=runtime or Runtime(), user_file=source)


__all__ = [
    "BUILTIN_TIER_RULES", "SECRET_KEYS", "TIER_NAMES", "AgentConfig", "AnalysisConfig", "AuditConfig", "Config",
    "ConfigRequest", "ExecutorConfig", "KubeConfig", "LLMConfig", "PolicyConfig", "ProjectFile", "RedactionConfig",
    "Runtime", "WorkflowConfig", "load_config", "masked", "parse_config_text", "runtime_from_environ",
    "trust_store", "user_config_file",
]
