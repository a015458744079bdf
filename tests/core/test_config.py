"""Config: search order, strict validation (one fixture file per bad case), masking, the example file."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from aiops_chat.config import Config, ProjectFile, load_config, masked, parse_config_text, trust_store
from aiops_chat.config.model import SECTIONS
from aiops_chat.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).parent / "fixtures" / "bad_config"

# file -> (what the message must name)
BAD_CASES = {
    "unknown_key.toml": "llm.modle",
    "unknown_section.toml": "[llmm]",
    "wrong_type_number.toml": "llm.timeout",
    "negative_timeout.toml": "llm.timeout",
    "wrong_type_bool.toml": "llm.stream",
    "bad_tier.toml": "policy.default_tier",
    "bad_tier_rule.toml": "policy.tiers[0].tier",
    "tier_rule_missing_tier.toml": "policy.tiers[0]",
    "wrong_type_list.toml": "policy.protected_namespaces",
    "base_url_no_scheme.toml": "llm.base_url",
    "azure_without_version.toml": "llm.api_version",
    "bad_regex.toml": "redaction.extra_patterns[0]",
    "not_toml.toml": "not valid TOML",
    "section_not_table.toml": "'llm'",
    "zero_steps.toml": "agent.max_steps",
    "float_for_int.toml": "executor.max_output_bytes",
}


def test_every_bad_fixture_has_a_case() -> None:
    assert {p.name for p in BAD.glob("*.toml")} == set(BAD_CASES)


@pytest.mark.parametrize(("name", "key"), sorted(BAD_CASES.items()))
def test_bad_config_names_file_and_key(name: str, key: str) -> None:
    path = BAD / name
    with pytest.raises(ConfigError) as err:
        load_config(str(path), environ={"HOME": "/nonexistent"})
    message = str(err.value)
    assert str(path) in message
    assert key in message


def test_defaults_without_any_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config(None, environ={"HOME": str(tmp_path)})
    assert cfg.source is None
    assert cfg.policy.protected_namespaces == ("kube-system", "kube-public", "kube-node-lease")
    assert cfg.audit_path == tmp_path / ".local/state/aiops/audit.jsonl"


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Changed with the trust model (issue 9 item 1): ./aiops.toml no longer wins wholesale; once trusted it
    # is layered over the user's file, and --config / $AIOPS_CONFIG are the only file read.
    monkeypatch.chdir(tmp_path)
    xdg = tmp_path / "xdg" / "aiops"
    xdg.mkdir(parents=True)
    (xdg / "config.toml").write_text('[llm]\nmodel = "from-xdg"\ntemperature = 0.5\n')
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert load_config(None, environ=env).llm.model == "from-xdg"
    (tmp_path / "aiops.toml").write_text('[llm]\nmodel = "from-cwd"\n')
    assert load_config(None, environ=env, notify=lambda _text: None).llm.model == "from-xdg"  # not trusted yet
    project = ProjectFile.read(tmp_path / "aiops.toml")
    trust_store(env).trust(project.path, project.sha256)
    layered = load_config(None, environ=env)
    assert (layered.llm.model, layered.llm.temperature) == ("from-cwd", 0.5)
    assert layered.files == (str(xdg / "config.toml"), str(project.path))
    named = tmp_path / "named.toml"
    named.write_text('[llm]\nmodel = "from-env"\n')
    only = load_config(None, environ={**env, "AIOPS_CONFIG": str(named)})
    assert (only.llm.model, only.llm.temperature, only.files) == ("from-env", 0.0, (str(named),))
    flag = tmp_path / "flag.toml"
    flag.write_text('[llm]\nmodel = "from-flag"\n')
    assert load_config(str(flag), environ={**env, "AIOPS_CONFIG": str(named)}).llm.model == "from-flag"


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.toml"), environ={})
    with pytest.raises(ConfigError, match="AIOPS_CONFIG"):
        load_config(None, environ={"AIOPS_CONFIG": str(tmp_path / "nope.toml")})


def test_openai_sdk_env_vars_still_work() -> None:
    cfg = load_config(None, environ={"HOME": "/nonexistent", "OPENAI_API_KEY": "sk-env",
                                     "OPENAI_BASE_URL": "http://localhost:11434/v1"})
    assert cfg.api_key == "sk-env"
    assert cfg.base_url == "http://localhost:11434/v1"
    cfg2 = dataclasses.replace(cfg, llm=dataclasses.replace(cfg.llm, api_key="sk-file"))
    assert cfg2.api_key == "sk-file"


def test_tiers_parse_in_order() -> None:
    cfg = parse_config_text('[policy]\ntiers = [{context = "a*", tier = "auto"}, {context = "*", tier = "read-only"}]',
                            source="t.toml")
    assert cfg.policy.tiers == (("a*", "auto"), ("*", "read-only"))


def test_masked_hides_secrets() -> None:
    cfg = parse_config_text('[llm]\napi_key = "sk-verysecretvalue123"', source="t.toml")
    shown = masked(cfg)
    assert "sk-verysecretvalue123" not in repr(shown)
    assert shown["llm"]["api_key"].startswith("sk-")


def test_example_file_documents_every_key_and_loads() -> None:
    example = ROOT / "config.example.toml"
    data = tomllib.loads(example.read_text())
    for section in dataclasses.fields(Config):
        if section.name not in SECTIONS:  # runtime and provenance, not TOML sections
            continue
        assert section.name in data, f"[{section.name}] missing from config.example.toml"
        fields = {f.name for f in dataclasses.fields(getattr(Config(), section.name))}
        assert set(data[section.name]) == fields, f"[{section.name}] keys differ from the Config"
    load_config(str(example), environ={})


def test_config_check_cli_reports_file_and_key() -> None:
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(BAD / "unknown_key.toml"),
                           "config", "check"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "bad configuration" in proc.stderr and "llm.modle" in proc.stderr and "unknown_key.toml" in proc.stderr
