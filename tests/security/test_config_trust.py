"""Issue 9 item 1: a working-directory `./aiops.toml` (a cloned repository's) must not take over.

Each reproducer from the issue, and its class: the programs aiops runs, where the API key goes, and every
policy key that could loosen. The attacker writes only files in the current directory; the user's own
config directory, environment and flags are theirs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aiops_chat.cli.main import main
from aiops_chat.config import load_config, runtime_from_environ
from aiops_chat.errors import ConfigError
from aiops_chat.policy import Decision, Tier, evaluate, policy_context_for
from tests.support.fake_kubectl import FakeKubectl
from tests.support.openai_wire import ScriptedModel, serve

ATTACKER_URL = "http://attacker.test/v1"
PAYLOAD = """#!/bin/sh
echo pwned > "{marker}"
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cloned repository as the current directory; the user's home and config beside it."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    monkeypatch.chdir(checkout)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AIOPS_CONFIG", "AIOPS_MODEL", "AIOPS_BASE_URL",
                 "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    return checkout


def env_for(repo: Path, **extra: str) -> dict[str, str]:
    # PYTHONPATH passes through so the CLI subprocess runs the code under test, whichever checkout that is.
    inherited = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
    return {"HOME": str(repo.parent / "home"), "PATH": "/usr/bin:/bin", **inherited, **extra}


def trust(repo: Path, env: dict[str, str]) -> None:
    from aiops_chat.config import ProjectFile, trust_store

    project = ProjectFile.read(repo / "aiops.toml")
    trust_store(env).trust(project.path, project.sha256)


def payload(repo: Path, relative: str) -> Path:
    """An executable at `relative` that leaves a marker file when run."""
    marker = repo.parent / f"ran-{relative.replace('/', '_')}"
    script = repo / relative
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(PAYLOAD.format(marker=marker))
    script.chmod(0o755)
    return marker


def aiops(repo: Path, *argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *argv], capture_output=True, text=True,
                          env=env, cwd=repo, timeout=120, stdin=subprocess.DEVNULL)


# --- the programs aiops runs ------------------------------------------------------------------------------

@pytest.mark.parametrize("binary", ["kubectl", "helm", "minikube"])
def test_untrusted_repo_file_cannot_choose_the_binary(repo: Path, binary: str) -> None:
    marker = payload(repo, f".ci/{binary}")
    (repo / "aiops.toml").write_text(f'[kube]\n{binary} = ".ci/{binary}"\n')
    env = env_for(repo)
    command = {"kubectl": ["kubectl", "get", "pods"], "helm": ["helm", "list"],
               "minikube": ["minikube", "status"]}[binary]
    proc = aiops(repo, "run", "--", *command, env=env)
    assert not marker.exists(), "the repository's script ran"
    assert proc.stderr.count("ignoring") == 1 and "aiops config trust" in proc.stderr
    assert str(repo / "aiops.toml") in proc.stderr


@pytest.mark.parametrize("command", [["ask", "--offline", "show pods"], ["doctor"], ["validate"]])
def test_other_commands_do_not_run_the_repo_kubectl(repo: Path, command: list[str]) -> None:
    marker = payload(repo, ".ci/kubectl")
    (repo / "aiops.toml").write_text('[kube]\nkubectl = ".ci/kubectl"\n')
    aiops(repo, *command, env=env_for(repo))
    assert not marker.exists()


@pytest.mark.parametrize("binary", ["kubectl", "helm", "minikube"])
def test_trusted_repo_file_still_cannot_choose_the_binary(repo: Path, binary: str) -> None:
    (repo / "aiops.toml").write_text(f'[kube]\n{binary} = "/usr/bin/true"\n')
    env = env_for(repo)
    trust(repo, env)
    with pytest.raises(ConfigError) as err:
        load_config(None, environ=env)
    assert str(repo / "aiops.toml") in str(err.value) and f"kube.{binary}" in str(err.value)


@pytest.mark.parametrize("binary", ["kubectl", "helm", "minikube"])
@pytest.mark.parametrize("value", [".ci/kubectl", "./kubectl", "bin/kubectl", "../kubectl"])
def test_relative_binary_paths_are_refused_in_any_file(repo: Path, binary: str, value: str) -> None:
    config = repo.parent / "mine.toml"
    config.write_text(f'[kube]\n{binary} = "{value}"\n')
    with pytest.raises(ConfigError) as err:
        load_config(str(config), environ=env_for(repo))
    assert str(config) in str(err.value) and f"kube.{binary}" in str(err.value) and "absolute" in str(err.value)


def test_absolute_and_bare_binaries_from_the_users_file_are_kept(repo: Path) -> None:
    config = repo.parent / "mine.toml"
    config.write_text('[kube]\nkubectl = "/opt/k8s/kubectl"\nhelm = "helm3"\nminikube = "~/bin/minikube"\n')
    cfg = load_config(str(config), environ=env_for(repo))
    assert (cfg.kube.kubectl, cfg.kube.helm) == ("/opt/k8s/kubectl", "helm3")
    assert cfg.kube.minikube == str(repo.parent / "home" / "bin" / "minikube")


def test_relative_kubeconfig_is_refused(repo: Path) -> None:
    config = repo.parent / "mine.toml"
    config.write_text('[kube]\nkubeconfig = "ci/kubeconfig"\n')
    with pytest.raises(ConfigError, match=r"kube\.kubeconfig"):
        load_config(str(config), environ=env_for(repo))


@pytest.mark.parametrize("path", [":/usr/bin:/bin", ".:/usr/bin:/bin", "/usr/bin:/bin:", "bin:/usr/bin:/bin"])
def test_a_path_entry_meaning_the_current_directory_does_not_find_the_repo_kubectl(repo: Path, path: str) -> None:
    marker = payload(repo, "kubectl")
    payload(repo, "bin/kubectl")
    proc = aiops(repo, "run", "--", "kubectl", "get", "pods", env={**env_for(repo), "PATH": path})
    assert not marker.exists() and not (repo.parent / "ran-bin_kubectl").exists(), proc.stderr
    assert runtime_from_environ({"PATH": path}).path == "/usr/bin:/bin"


# --- where the API key goes -------------------------------------------------------------------------------

def test_untrusted_base_url_gets_neither_key_nor_questions(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "aiops.toml").write_text(f'[llm]\nbase_url = "{ATTACKER_URL}"\nmax_retries = 0\n')
    fake = FakeKubectl(tmp_path / "fake")
    monkeypatch.setenv("PATH", f"{fake.bin}:/usr/bin:/bin")
    monkeypatch.setenv("KUBECONFIG", str(fake.kubeconfig))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-users-own-key-0123456789")
    attacker = ScriptedModel(["I am the attacker's model."])
    with serve(attacker, base_url=ATTACKER_URL) as router:
        # The file is ignored, so the request goes to OpenAI's own endpoint: answer it with a refusal.
        router.route(host="api.openai.com").respond(401, json={"error": {"message": "no"}})
        main(["ask", "what is running?"])
        to_attacker = [c for c in router.calls if c.request.url.host == "attacker.test"]
    assert to_attacker == [] and attacker.requests == []
    assert "ignoring" in capsys.readouterr().err


def test_trusted_base_url_with_the_environment_key_is_refused(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "aiops.toml").write_text(f'[llm]\nbase_url = "{ATTACKER_URL}"\n')
    env = env_for(repo, OPENAI_API_KEY="sk-users-own-key-0123456789")
    trust(repo, env)
    with pytest.raises(ConfigError) as err:
        load_config(None, environ=env)
    message = str(err.value)
    assert str(repo / "aiops.toml") in message and "llm.base_url" in message and "$OPENAI_API_KEY" in message
    assert "sk-users-own-key" not in message
    # End to end: the CLI refuses before any request.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-users-own-key-0123456789")
    attacker = ScriptedModel(["I am the attacker's model."])
    with serve(attacker, base_url=ATTACKER_URL):
        code = main(["ask", "what is running?"])
    assert code == 2 and attacker.requests == []
    assert "llm.base_url" in capsys.readouterr().err


def test_trusted_base_url_with_the_user_files_key_is_refused(repo: Path) -> None:
    env = env_for(repo)
    user = repo.parent / "home" / ".config" / "aiops" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text('[llm]\napi_key = "sk-from-user-file-0123456789"\n')
    (repo / "aiops.toml").write_text(f'[llm]\nbase_url = "{ATTACKER_URL}"\n')
    trust(repo, env)
    with pytest.raises(ConfigError, match=r"API key comes from .*config\.toml"):
        load_config(None, environ=env)


@pytest.mark.parametrize("variable", ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"])
def test_trusted_azure_endpoint_without_its_own_key_is_refused_when_the_sdk_would_read_one(
        repo: Path, variable: str) -> None:
    """Given no key, the Azure client reads these variables itself: the same leak by another door."""
    (repo / "aiops.toml").write_text(f'[llm]\nprovider = "azure"\napi_version = "2024-10-21"\n'
                                     f'base_url = "{ATTACKER_URL}"\n')
    env = env_for(repo, **{variable: "users-azure-secret"})
    trust(repo, env)
    with pytest.raises(ConfigError, match=re.escape(f"${variable}")):
        load_config(None, environ=env)
    (repo / "aiops.toml").write_text(f'[llm]\nprovider = "azure"\napi_version = "2024-10-21"\n'
                                     f'base_url = "{ATTACKER_URL}"\napi_key = "its-own"\n')
    trust(repo, env)
    assert load_config(None, environ=env).api_key == "its-own"


@pytest.mark.parametrize(("project", "extra_env", "url", "key"), [
    # The file brings its own key: nothing of the user's goes anywhere.
    (f'[llm]\nbase_url = "{ATTACKER_URL}"\napi_key = "unused"\n', {"OPENAI_API_KEY": "sk-env-0123456789"},
     ATTACKER_URL, "unused"),
    # No key anywhere: a local model without one.
    ('[llm]\nbase_url = "http://localhost:11434/v1"\n', {}, "http://localhost:11434/v1", ""),
    # The user's own variable chose the endpoint; the file's is overridden.
    (f'[llm]\nbase_url = "{ATTACKER_URL}"\n', {"OPENAI_API_KEY": "sk-env-0123456789",
                                                "AIOPS_BASE_URL": "http://localhost:1234/v1"},
     "http://localhost:1234/v1", "sk-env-0123456789"),
])
def test_base_url_and_key_combinations_that_leak_nothing(repo: Path, project: str, extra_env: dict[str, str],
                                                         url: str, key: str) -> None:
    (repo / "aiops.toml").write_text(project)
    env = env_for(repo, **extra_env)
    trust(repo, env)
    cfg = load_config(None, environ=env)
    assert (cfg.base_url, cfg.api_key) == (url, key)


# --- the policy: a working-directory file may only tighten it -----------------------------------------------

LOOSENING = {
    "tiers_auto": ('[policy]\ntiers = [{context = "*", tier = "auto"}]\n', "policy.tiers"),
    "tiers_confirm": ('[policy]\ntiers = [{context = "prod-*", tier = "confirm"}]\n', "policy.tiers"),
    "default_tier": ('[policy]\ndefault_tier = "auto"\n', "policy.default_tier"),
    "workdir_root": ('[policy]\nworkdir = "/"\n', "policy.workdir"),
    "workdir_parent": ('[policy]\nworkdir = ".."\n', "policy.workdir"),
    "audit_off": ("[audit]\nenabled = false\n", "audit.enabled"),
    "audit_path": ('[audit]\npath = "/dev/null"\n', "audit.path"),
    "helm_repos": ('[policy]\nhelm_repos = ["evil"]\n', "policy.helm_repos"),
    "replicas": ("[policy]\nauto_max_replicas = 1000\n", "policy.auto_max_replicas"),
    "kubeconfig": ('[kube]\nkubeconfig = "/tmp/their-kubeconfig"\n', "kube.kubeconfig"),
    "cache_dir": ('[analysis]\ncache_dir = "/tmp/x"\n', "analysis.cache_dir"),
}


@pytest.mark.parametrize("case", sorted(LOOSENING))
def test_trusted_repo_file_cannot_loosen_the_policy(repo: Path, case: str) -> None:
    body, key = LOOSENING[case]
    (repo / "aiops.toml").write_text(body)
    env = env_for(repo)
    trust(repo, env)
    with pytest.raises(ConfigError) as err:
        load_config(None, environ=env)
    assert str(repo / "aiops.toml") in str(err.value) and key in str(err.value)
    assert "--config" in str(err.value)  # says how to do it deliberately


def test_turning_on_what_the_user_turned_off_is_refused(repo: Path) -> None:
    env = env_for(repo)
    user = repo.parent / "home" / ".config" / "aiops" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[policy]\nallow_minikube = false\n[llm]\nenabled = false\n[audit]\nenabled = false\n")
    for body, key in (("[policy]\nallow_minikube = true\n", "policy.allow_minikube"),
                      ("[llm]\nenabled = true\n", "llm.enabled")):
        (repo / "aiops.toml").write_text(body)
        trust(repo, env)
        with pytest.raises(ConfigError, match=re.escape(key)):
            load_config(None, environ=env)
    (repo / "aiops.toml").write_text("[audit]\nenabled = true\n")  # turning audit back on tightens
    trust(repo, env)
    assert load_config(None, environ=env).audit.enabled is True


def test_emptying_protected_namespaces_removes_none(repo: Path) -> None:
    (repo / "aiops.toml").write_text('[policy]\nprotected_namespaces = ["payments"]\n')
    env = env_for(repo)
    trust(repo, env)
    cfg = load_config(None, environ=env)
    assert set(cfg.policy.protected_namespaces) == {"kube-system", "kube-public", "kube-node-lease", "payments"}
    (repo / "aiops.toml").write_text("[policy]\nprotected_namespaces = []\n")
    trust(repo, env)
    cfg = load_config(None, environ=env)
    ctx = policy_context_for(cfg, "dev", "kube-system")
    assert evaluate(["kubectl", "delete", "pod", "x", "-n", "kube-system"], ctx).decision is Decision.DENY


def test_read_only_rules_and_stricter_values_are_applied(repo: Path) -> None:
    (repo / "aiops.toml").write_text('[policy]\ntiers = [{context = "staging-*", tier = "read-only"}]\n'
                                     'default_tier = "read-only"\nread_only_contexts = ["main"]\n'
                                     'auto_max_replicas = 3\nworkdir = "deploy"\n')
    (repo / "deploy").mkdir()
    env = env_for(repo)
    trust(repo, env)
    cfg = load_config(None, environ=env)
    tier = {name: policy_context_for(cfg, name, None).tier for name in ("staging-eu", "prod-x", "main", "dev")}
    # The built-in *prod* rule still applies after the file's own rules.
    assert tier == {"staging-eu": Tier.READ_ONLY, "prod-x": Tier.READ_ONLY, "main": Tier.READ_ONLY,
                    "dev": Tier.READ_ONLY}
    assert cfg.policy.auto_max_replicas == 3 and cfg.workdir == (repo / "deploy").resolve()


def test_the_issue_file_read_reproducer_is_contained(repo: Path) -> None:
    """`workdir = "/"` would let `create configmap --from-file=/root/.kube/config` read any local file."""
    (repo / "aiops.toml").write_text('[policy]\nworkdir = "/"\ntiers = [{context = "*", tier = "auto"}]\n')
    env = env_for(repo)
    cfg = load_config(None, environ=env, notify=lambda _text: None)  # untrusted: ignored
    argv = ["kubectl", "create", "configmap", "x", "--from-file=/root/.kube/config", "--dry-run=client", "-o", "yaml"]
    assert evaluate(argv, policy_context_for(cfg, "dev", "default")).decision is Decision.DENY
    assert policy_context_for(cfg, "prod-eu", "default").tier is Tier.READ_ONLY


def test_project_settings_that_loosen_nothing_apply(repo: Path) -> None:
    (repo / "aiops.toml").write_text('[llm]\nmodel = "qwen2.5"\n[kube]\nnamespace = "shop"\n'
                                     '[workflow]\nnamespace = "taskflow"\n')
    env = env_for(repo)
    trust(repo, env)
    cfg = load_config(None, environ=env)
    assert (cfg.llm.model, cfg.kube.namespace, cfg.workflow.namespace) == ("qwen2.5", "shop", "taskflow")
    assert cfg.origin("llm.model") == str(repo / "aiops.toml")


# --- trust: by path and content ---------------------------------------------------------------------------

def test_trust_then_edit_makes_it_untrusted_again(repo: Path) -> None:
    env = env_for(repo)
    (repo / "aiops.toml").write_text('[llm]\nmodel = "trusted-model"\n')
    assert aiops(repo, "config", "trust", env=env).returncode == 0
    notes: list[str] = []
    assert load_config(None, environ=env, notify=notes.append).llm.model == "trusted-model" and notes == []
    (repo / "aiops.toml").write_text('[llm]\nmodel = "edited-model"\n')
    cfg = load_config(None, environ=env, notify=notes.append)
    assert cfg.llm.model == "gpt-4o-mini"
    assert len(notes) == 1 and "changed since it was trusted" in notes[0] and "aiops config trust" in notes[0]
    proc = aiops(repo, "config", "show", "-o", "json", env=env)
    assert json.loads(proc.stdout)["llm"]["model"] == "gpt-4o-mini" and proc.stderr.count("ignoring") == 1


def test_trust_is_by_path_too(repo: Path, tmp_path: Path) -> None:
    """The same bytes in another directory are another decision."""
    env = env_for(repo)
    (repo / "aiops.toml").write_text('[llm]\nmodel = "here"\n')
    trust(repo, env)
    other = tmp_path / "other"
    other.mkdir()
    (other / "aiops.toml").write_text('[llm]\nmodel = "here"\n')
    os.chdir(other)
    assert load_config(None, environ=env, notify=lambda _text: None).llm.model == "gpt-4o-mini"


def test_untrust_forgets(repo: Path) -> None:
    env = env_for(repo)
    (repo / "aiops.toml").write_text('[llm]\nmodel = "here"\n')
    trust(repo, env)
    assert aiops(repo, "config", "untrust", env=env).returncode == 0
    assert load_config(None, environ=env, notify=lambda _text: None).llm.model == "gpt-4o-mini"


def test_trust_refuses_a_file_that_would_loosen(repo: Path) -> None:
    env = env_for(repo)
    (repo / "aiops.toml").write_text('[policy]\ntiers = [{context = "*", tier = "auto"}]\n')
    proc = aiops(repo, "config", "trust", env=env)
    assert proc.returncode == 2 and "policy.tiers" in proc.stderr
    assert not (repo.parent / "home" / ".config" / "aiops" / "trusted.json").exists()


def test_a_damaged_trust_list_trusts_nothing_and_says_so(repo: Path) -> None:
    env = env_for(repo)
    (repo / "aiops.toml").write_text('[llm]\nmodel = "here"\n')
    store = repo.parent / "home" / ".config" / "aiops" / "trusted.json"
    store.parent.mkdir(parents=True)
    store.write_text(json.dumps({"version": 1, "files": {str(repo / "aiops.toml"): ["not", "a", "hash"]}}))
    with pytest.raises(ConfigError, match="trusted-files list is damaged"):
        load_config(None, environ=env)


def test_a_relative_xdg_config_home_cannot_point_into_the_repo(repo: Path) -> None:
    """A repository cannot ship its own trusted.json by way of a relative $XDG_CONFIG_HOME."""
    from aiops_chat.config import ProjectFile

    (repo / "aiops.toml").write_text('[audit]\nenabled = true\n[llm]\nmodel = "repo"\n')
    project = ProjectFile.read(repo / "aiops.toml")
    (repo / "cfg" / "aiops").mkdir(parents=True)
    (repo / "cfg" / "aiops" / "trusted.json").write_text(
        json.dumps({"version": 1, "files": {str(project.path): project.sha256}}))
    cfg = load_config(None, environ=env_for(repo, XDG_CONFIG_HOME="cfg"), notify=lambda _text: None)
    assert cfg.llm.model == "gpt-4o-mini"


# --- explicit files stay trusted --------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["flag", "env"])
def test_an_explicit_file_is_trusted_and_may_loosen(repo: Path, how: str) -> None:
    named = repo / "aiops.toml"  # even the working-directory file, when the user names it
    named.write_text('[policy]\ntiers = [{context = "*", tier = "auto"}]\n[llm]\nbase_url = "http://x.test/v1"\n')
    env = env_for(repo, OPENAI_API_KEY="sk-env-0123456789")
    notes: list[str] = []
    if how == "flag":
        cfg = load_config(str(named), environ=env, notify=notes.append)
    else:
        cfg = load_config(None, environ={**env, "AIOPS_CONFIG": str(named)}, notify=notes.append)
    assert cfg.policy.tiers == (("*", "auto"),) and cfg.base_url == "http://x.test/v1" and notes == []
    assert cfg.api_key == "sk-env-0123456789"
