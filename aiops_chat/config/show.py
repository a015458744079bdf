"""The effective configuration as plain data for `aiops config show`: secrets masked, each key's origin."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiops_chat.config.model import SECRET_KEYS, SECTIONS, Config


def masked(cfg: Config) -> dict[str, Any]:
    """Sections of key -> value (secrets masked), then "effective" (derived values) and "origins"."""
    out: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in SECTIONS:
        section = dataclasses.asdict(getattr(cfg, name))
        for key in SECRET_KEYS & set(section):
            if section[key]:
                section[key] = _mask(section[key])
        if name == "policy":
            section["tiers"] = [{"context": c, "tier": t} for c, t in cfg.policy.tiers]
        out[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
        origins.update({f"{name}.{key}": cfg.origin(f"{name}.{key}") for key in section})
    out["effective"] = {
        "config_files": list(cfg.files) or "(none: built-in defaults)",
        "api_key": f"{_mask(cfg.api_key)} (from {cfg.origin('llm.api_key')})" if cfg.api_key else "(none)",
        "base_url": f"{cfg.base_url} (from {cfg.origin('llm.base_url')})" if cfg.base_url else "(openai default)",
        "kubeconfig": cfg.kubeconfig or "(kubectl default)",
        "audit_path": str(cfg.audit_path),
        "cache_dir": str(cfg.cache_dir),
    }
    out["origins"] = origins
    return out


def _mask(secret: str) -> str:
    return "****" if len(secret) < 12 else f"{secret[:3]}…{secret[-2:]}"
