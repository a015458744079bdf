"""Config: search order, strict validation (one fixture file per bad case), masking, the example file."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from aiops_chat.config import (
    Config,
    ConfigRequest,
    ProjectFile,
    load_config,
    masked,
    parse_config_text,
    trust_store,
)
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
    "relative_kubectl.toml": "kube.kubectl",
    "relative_kubeconfig.toml": "kube.kubeconfig",
    "read_only_contexts_not_list.toml": "policy.read_only_contexts",
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


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home and current directory, and none of the variables that choose config or model."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("AIOPS_CONFIG", "AIOPS_MODEL", "AIOPS_BASE_URL", "XDG_CONFIG_HOME", "OPENAI_API_KEY",
                 "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


# --- the environment and flags (issue 13 item 11) ----------------------------------------------------------

def test_model_and_base_url_from_the_environment_without_a_file(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"HOME": str(tmp_path), "AIOPS_MODEL": "llama3.1", "AIOPS_BASE_URL": "http://localhost:11434/v1"}
    cfg = load_config(None, environ=env)
    assert (cfg.llm.model, cfg.base_url, cfg.files) == ("llama3.1", "http://localhost:11434/v1", ())
    assert (cfg.origin("llm.model"), cfg.origin("llm.base_url")) == ("$AIOPS_MODEL", "$AIOPS_BASE_URL")


def test_precedence_flag_then_environment_then_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "mine.toml"
    config.write_text('[llm]\nmodel = "from-file"\nbase_url = "http://file.test/v1"\n')
    env = {"HOME": str(tmp_path), "OPENAI_BASE_URL": "http://sdk.test/v1"}
    assert load_config(str(config), environ=env).llm.model == "from-file"
    assert load_config(str(config), environ=env).base_url == "http://file.test/v1"  # the SDK's var fills gaps only
    env["AIOPS_MODEL"], env["AIOPS_BASE_URL"] = "from-env", "http://env.test/v1"
    assert load_config(str(config), environ=env).llm.model == "from-env"
    assert load_config(str(config), environ=env).base_url == "http://env.test/v1"
    flagged = load_config(ConfigRequest(path=str(config), model="from-flag"), environ=env)
    assert (flagged.llm.model, flagged.origin("llm.model")) == ("from-flag", "--model")


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"\$AIOPS_BASE_URL.*llm.base_url"):
        load_config(None, environ={"HOME": "/nonexistent", "AIOPS_BASE_URL": "localhost:11434"})


def test_config_show_names_the_origin_of_every_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from aiops_chat.cli.main import main

    monkeypatch.chdir(tmp_path)
    user = tmp_path / "xdg" / "aiops" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text('[llm]\ntemperature = 0.3\n[policy]\nread_only_contexts = ["main"]\n')
    for name, value in {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "AIOPS_MODEL": "m-env",
                        "OPENAI_API_KEY": "sk-env-key-0123456789"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AIOPS_CONFIG", "AIOPS_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["config", "show", "-o", "json", "--model", "m-flag"]) == 0
    shown = json.loads(capsys.readouterr().out)
    every_key = {f"{s}.{f.name}" for s, cls in SECTIONS.items() for f in dataclasses.fields(cls)}
    assert set(shown["origins"]) == every_key
    assert shown["origins"]["llm.temperature"] == str(user)
    assert shown["origins"]["policy.read_only_contexts"] == str(user)
    assert shown["origins"]["llm.model"] == "--model" and shown["llm"]["model"] == "m-flag"
    assert shown["origins"]["llm.api_key"] == "$OPENAI_API_KEY"
    assert shown["origins"]["llm.max_tokens"] == "default"
    assert "sk-env-key-0123456789" not in json.dumps(shown)
    assert main(["config", "show"]) == 0
    toml_text = capsys.readouterr().out
    assert f'temperature = 0.3  # {user}' in toml_text and 'model = "m-env"  # $AIOPS_MODEL' in toml_text


# --- global flags anywhere, as kubectl's ---------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["--model", "m1", "-o", "json", "config", "show"],
    ["config", "show", "-o", "json", "--model", "m1"],
    ["-o", "json", "config", "--model", "m1", "show"],
    ["config", "show", "--output", "json", "--model=m1"],
])
def test_config_show_takes_global_flags_anywhere(argv: list[str], cli_home: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from aiops_chat.cli.main import main

    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["llm"]["model"] == "m1"


@pytest.mark.parametrize("argv", [
    ["--context", "prod-eu", "policy", "check", "-o", "json", "--", "kubectl", "scale", "deploy/x", "--replicas=2"],
    ["policy", "--context", "prod-eu", "check", "-o", "json", "--", "kubectl", "scale", "deploy/x", "--replicas=2"],
    ["policy", "check", "--context", "prod-eu", "-o", "json", "--", "kubectl", "scale", "deploy/x", "--replicas=2"],
    ["-o", "json", "policy", "check", "--context=prod-eu", "--", "kubectl", "scale", "deploy/x", "--replicas=2"],
    ["--context", "dev", "policy", "check", "--context", "prod-eu", "-o", "json", "--",
     "kubectl", "scale", "deploy/x", "--replicas=2"],  # after the command wins, as in kubectl
])
def test_policy_check_takes_global_flags_anywhere(argv: list[str], cli_home: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from aiops_chat.cli.main import main

    main(argv)
    assert json.loads(capsys.readouterr().out)["decision"] == "deny"


@pytest.mark.parametrize("argv", [
    ["-n", "taskflow", "-o", "json", "analyze", "--demo"],
    ["analyze", "--demo", "-o", "json", "-n", "taskflow"],
    ["-o", "json", "analyze", "-n", "taskflow", "--demo", "-v"],
    ["-v", "analyze", "--demo", "--namespace=taskflow", "--output=json"],
])
def test_analyze_takes_global_flags_anywhere(argv: list[str], cli_home: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from aiops_chat.cli.main import main

    main(argv)
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert findings and {f["namespace"] for f in findings} == {"taskflow"}


@pytest.mark.parametrize("argv", [
    ["-n", "payments", "run", "--", "kubectl", "get", "pods"],
    ["run", "-n", "payments", "--", "kubectl", "get", "pods"],
    ["run", "--", "kubectl", "get", "pods", "-n", "payments"],  # after --, the flag is kubectl's own
    ["--namespace", "other", "run", "--namespace=payments", "--", "kubectl", "get", "pods"],
])
def test_run_takes_the_namespace_anywhere(argv: list[str], cli_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiops_chat.cli.main import main
    from tests.support.fake_kubectl import FakeKubectl

    tmp_path = cli_home
    fake = FakeKubectl(tmp_path / "fake")
    monkeypatch.setenv("PATH", f"{fake.bin}:/usr/bin:/bin")
    monkeypatch.setenv("KUBECONFIG", str(fake.kubeconfig))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert main(argv) == 0
    (called,) = fake.calls()
    assert called[called.index("--namespace") + 1] == "payments"


def test_output_is_checked_against_the_commands_own_choices(cli_home: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from aiops_chat.cli.main import main

    with pytest.raises(SystemExit) as bad_choice:
        main(["-o", "yaml", "config", "show"])
    assert bad_choice.value.code == 2 and "invalid choice: 'yaml'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as no_output:
        main(["-o", "json", "config", "check"])
    assert no_output.value.code == 2 and "no -o/--output" in capsys.readouterr().err


# --- prod contexts by name (issue 9 item 9) -------------------------------------------------------------------

def test_read_only_contexts_name_prod_clusters_exactly() -> None:
    from aiops_chat.policy import Tier, policy_context_for

    cfg = parse_config_text('[policy]\ndefault_tier = "auto"\ntiers = [{context = "*", tier = "auto"}]\n'
                            'read_only_contexts = ["gke_acme_europe-west1_main"]\n', source="t.toml")
    assert policy_context_for(cfg, "gke_acme_europe-west1_main", None).tier is Tier.READ_ONLY
    assert policy_context_for(cfg, "GKE_ACME_EUROPE-WEST1_MAIN", None).tier is Tier.READ_ONLY
    assert policy_context_for(cfg, "gke_acme_europe-west1_main-2", None).tier is Tier.AUTO  # exact, not a prefix
