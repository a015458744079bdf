"""Tiers per kube context, and the PolicyContext a configuration produces."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiops_chat.config import Config, parse_config_text
from aiops_chat.errors import ConfigError
from aiops_chat.policy import Decision, Tier, evaluate, policy_context_for, tier_for_context

CUSTOM = (("kind-*", Tier.AUTO), ("*-stage*", Tier.CONFIRM), ("*", Tier.READ_ONLY))


@pytest.mark.parametrize(("context", "tiers", "default", "expected"), [
    ("prod-eu", (), Tier.CONFIRM, Tier.READ_ONLY),
    ("eu-production-1", (), Tier.CONFIRM, Tier.READ_ONLY),
    ("PROD-EU", (), Tier.CONFIRM, Tier.READ_ONLY),                    # globs are case-insensitive
    ("Gke_Project_Production", (), Tier.AUTO, Tier.READ_ONLY),
    ("dev-cluster", (), Tier.CONFIRM, Tier.CONFIRM),
    ("dev-cluster", (), Tier.AUTO, Tier.AUTO),
    ("minikube", (), Tier.CONFIRM, Tier.CONFIRM),
    (None, (), Tier.AUTO, Tier.READ_ONLY),                            # unknown target: whatever kubectl picks
    ("kind-dev", CUSTOM, Tier.CONFIRM, Tier.AUTO),
    ("KIND-dev", CUSTOM, Tier.CONFIRM, Tier.AUTO),
    ("eu-stage-2", CUSTOM, Tier.AUTO, Tier.CONFIRM),
    ("anything", CUSTOM, Tier.AUTO, Tier.READ_ONLY),                  # the catch-all glob wins over the default
    ("prod-eu", (("prod-eu", Tier.CONFIRM),), Tier.CONFIRM, Tier.CONFIRM),  # config replaces the built-ins
    ("prod-eu", (("dev-*", Tier.AUTO),), Tier.CONFIRM, Tier.CONFIRM),       # ... entirely
    ("kind-prod", (("*prod*", Tier.READ_ONLY), ("kind-*", Tier.AUTO)), Tier.CONFIRM, Tier.READ_ONLY),  # first wins
    ("kind-prod", (("kind-*", Tier.AUTO), ("*prod*", Tier.READ_ONLY)), Tier.CONFIRM, Tier.AUTO),
    ("a[b]", (("a[[]b]", Tier.AUTO),), Tier.CONFIRM, Tier.AUTO),      # fnmatch classes
])
def test_tier_for_context(context: str | None, tiers: tuple[tuple[str, Tier], ...], default: Tier,
                          expected: Tier) -> None:
    assert tier_for_context(context, tiers, default) is expected


def _config(tmp_path: Path, body: str) -> Config:
    return parse_config_text(body, source=str(tmp_path / "aiops.toml"))


def test_policy_context_from_a_config_file(tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"""
[policy]
default_tier = "auto"
tiers = [{{context = "*prod*", tier = "read-only"}}, {{context = "staging-*", tier = "confirm"}}]
protected_namespaces = ["kube-system", "platform"]
helm_repos = ["bitnami"]
workdir = "{tmp_path}"
allow_minikube = false
""")
    ctx = policy_context_for(cfg, "staging-eu", "team-a")
    assert ctx.tier is Tier.CONFIRM
    assert (ctx.context, ctx.namespace) == ("staging-eu", "team-a")
    assert ctx.protected_namespaces == frozenset({"kube-system", "platform"})
    assert ctx.helm_repos == frozenset({"bitnami"})
    assert ctx.workdir == tmp_path.resolve()
    assert ctx.extra_binaries == frozenset()
    assert policy_context_for(cfg, "Prod-EU", None).tier is Tier.READ_ONLY
    assert policy_context_for(cfg, "laptop", None).tier is Tier.AUTO
    # The configured protected namespace is enforced, and minikube is off.
    assert evaluate(["kubectl", "delete", "pod", "x", "-n", "platform"], ctx).decision is Decision.DENY
    assert evaluate(["minikube", "status"], ctx).decision is Decision.DENY


def test_policy_context_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ctx = policy_context_for(Config(), "prod-eu", None)
    assert ctx.tier is Tier.READ_ONLY                                  # built-in globs
    assert policy_context_for(Config(), "dev", None).tier is Tier.CONFIRM
    assert ctx.workdir == tmp_path.resolve()                           # "" means the current directory
    assert {"kube-system", "kube-public", "kube-node-lease"} <= ctx.protected_namespaces
    assert ctx.extra_binaries == frozenset({"minikube"})
    verdict = evaluate(["kubectl", "scale", "deploy/web", "--replicas=2"], ctx)
    assert verdict.decision is Decision.DENY
    assert verdict.reason == "context prod-eu is read-only: kubectl scale is a write"


def test_a_bad_tier_name_is_a_config_error(tmp_path: Path) -> None:
    cfg = Config()
    bad = type(cfg.policy)(default_tier="yolo")
    with pytest.raises(ConfigError, match="yolo"):
        policy_context_for(Config(policy=bad), "dev", None)
