"""redact_argv: secret values passed on a command line never reach the audit log in plain text.

The value is secret because of the flag or the command around it (`--from-literal` of `create secret`,
`--set auth.password=`, `mysql -p`), not because of what it looks like, so argv needs its own rules; the
text rules then run on each argument too. Every argument keeps its place.
"""

from __future__ import annotations

import pytest

from aiops_chat.redaction import MASK, redact_argv

M = MASK

CASES = {
    "from-literal in create secret, any key": (
        ["kubectl", "create", "secret", "generic", "db", "--from-literal=username=app", "--from-literal=password=S3cr3t"],
        ["kubectl", "create", "secret", "generic", "db", f"--from-literal=username={M}", f"--from-literal=password={M}"]),
    "from-literal as a separate argument": (
        ["kubectl", "create", "secret", "generic", "db", "--from-literal", "password=S3cr3t"],
        ["kubectl", "create", "secret", "generic", "db", "--from-literal", f"password={M}"]),
    "from-literal in a configmap: only secret-named keys": (
        ["kubectl", "create", "configmap", "c", "--from-literal=LOG_LEVEL=debug", "--from-literal=API_TOKEN=t0k"],
        ["kubectl", "create", "configmap", "c", "--from-literal=LOG_LEVEL=debug", f"--from-literal=API_TOKEN={M}"]),
    "helm --set": (
        ["helm", "upgrade", "pg", "bitnami/postgresql", "--set", "auth.postgresPassword=Pg1,primary.persistence.size=8Gi"],
        ["helm", "upgrade", "pg", "bitnami/postgresql", "--set", f"auth.postgresPassword={M},primary.persistence.size=8Gi"]),
    "helm --set= and a secrets collection": (
        ["helm", "install", "x", "./c", "--set=secrets.STRIPE=rk_1,replicas=2"],
        ["helm", "install", "x", "./c", f"--set=secrets.STRIPE={M},replicas=2"]),
    "helm --set-string with an index": (
        ["helm", "install", "x", "./c", "--set-string", "users[0].token=abc,users[0].name=bob"],
        ["helm", "install", "x", "./c", "--set-string", f"users[0].token={M},users[0].name=bob"]),
    "docker-registry secret": (
        ["kubectl", "create", "secret", "docker-registry", "r", "--docker-username=ci", "--docker-password=DockPw"],
        ["kubectl", "create", "secret", "docker-registry", "r", "--docker-username=ci", f"--docker-password={M}"]),
    "set-credentials token and password": (
        ["kubectl", "config", "set-credentials", "ci", "--token=kT0k", "--username=u", "--password", "Pw1"],
        ["kubectl", "config", "set-credentials", "ci", f"--token={M}", "--username=u", "--password", M]),
    "a password that starts with a dash": (
        ["argocd", "login", "a.example.com", "--password", "-x9Pw"],
        ["argocd", "login", "a.example.com", "--password", M]),
    "mysql -pPASS": (
        ["kubectl", "exec", "db-0", "--", "mysql", "-uroot", "-pMyPw", "-e", "select 1"],
        ["kubectl", "exec", "db-0", "--", "mysql", "-uroot", f"-p{M}", "-e", "select 1"]),
    "mysqldump -p PASS": (
        ["kubectl", "exec", "db-0", "--", "mysqldump", "-u", "root", "-p", "MyPw2", "shop"],
        ["kubectl", "exec", "db-0", "--", "mysqldump", "-u", "root", "-p", M, "shop"]),
    "registry login -p": (
        ["helm", "registry", "login", "r.io", "-u", "bot", "-p", "RegPw"],
        ["helm", "registry", "login", "r.io", "-u", "bot", "-p", M]),
    "redis-cli -a": (
        ["kubectl", "exec", "r-0", "--", "redis-cli", "-a", "RedPw", "ping"],
        ["kubectl", "exec", "r-0", "--", "redis-cli", "-a", M, "ping"]),
    "curl -u user:pass": (
        ["kubectl", "exec", "x", "--", "curl", "-u", "admin:CurlPw", "https://h"],
        ["kubectl", "exec", "x", "--", "curl", "-u", f"admin:{M}", "https://h"]),
    "curl -uuser:pass and --user=": (
        ["curl", "-uadmin:A1", "--user=bob:B2", "https://h"],
        ["curl", f"-uadmin:{M}", f"--user=bob:{M}", "https://h"]),
    "env in --env=": (
        ["kubectl", "run", "x", "--image=busybox", "--env=DB_PASSWORD=EnvPw", "--env=LOG=1"],
        ["kubectl", "run", "x", "--image=busybox", f"--env=DB_PASSWORD={M}", "--env=LOG=1"]),
    "env assignment after --": (
        ["kubectl", "exec", "x", "--", "env", "DB_PASSWORD=EnvPw2", "sh"],
        ["kubectl", "exec", "x", "--", "env", f"DB_PASSWORD={M}", "sh"]),
    "URL with a password": (
        ["helm", "repo", "add", "r", "https://user:UrlPw@charts.example.com"],
        ["helm", "repo", "add", "r", f"https://user:{M}@charts.example.com"]),
    "a shell string": (
        ["kubectl", "exec", "x", "--", "sh", "-c", "mysql -pShPw -e 1"],
        ["kubectl", "exec", "x", "--", "sh", "-c", f"mysql -p{M} -e 1"]),
    "an Authorization header": (
        ["kubectl", "exec", "x", "--", "curl", "-H", "Authorization: Bearer abc123def456", "https://h"],
        ["kubectl", "exec", "x", "--", "curl", "-H", f"Authorization: Bearer {M}", "https://h"]),
    "a provider token anywhere": (
        ["kubectl", "exec", "x", "--", "gh", "auth", "login", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"],
        ["kubectl", "exec", "x", "--", "gh", "auth", "login", M]),
    "a patch with a password in it": (
        ["kubectl", "patch", "secret", "s", "-p", '{"stringData":{"password":"PatchPw"}}'],
        ["kubectl", "patch", "secret", "s", "-p", '{"stringData": {"password": "[REDACTED]"}}']),
}

UNTOUCHED = [
    ["kubectl", "get", "pods", "-n", "prod", "-o", "wide"],
    ["kubectl", "patch", "deploy", "web", "-p", '{"spec":{"replicas":2}}'],  # -p is a patch, not a password
    ["docker", "run", "-u", "1000:1000", "img"],  # uid:gid
    ["kubectl", "create", "secret", "generic", "s", "--from-file=key=./k.pem", "--from-env-file=.env"],
    ["docker", "login", "--username", "ci", "--password-stdin", "r.io"],
    ["helm", "install", "web", "./chart", "--set", "image.tag=1.4.2,replicaCount=3", "--namespace", "shop"],
    ["kubectl", "logs", "token-refresher-5f7d8c9b6-abcde", "-c", "main", "--tail=100"],
    ["kubectl", "get", "secret", "db-creds", "-o", "name"],
]


@pytest.mark.parametrize("name", sorted(CASES))
def test_secret_values_are_masked_in_place(name: str) -> None:
    argv, expected = CASES[name]
    assert redact_argv(argv) == expected


@pytest.mark.parametrize("argv", UNTOUCHED, ids=[" ".join(a)[:50] for a in UNTOUCHED])
def test_ordinary_argv_is_untouched(argv: list[str]) -> None:
    assert redact_argv(argv) == argv


def test_extra_patterns_apply_to_every_argument() -> None:
    assert redact_argv(["kubectl", "label", "pod", "x", "order=ACME-12345"], ["ACME-[0-9]+"]) == [
        "kubectl", "label", "pod", "x", f"order={M}"]


def test_same_length_and_input_not_modified() -> None:
    argv = ("kubectl", "create", "secret", "generic", "db", "--from-literal=password=x")
    out = redact_argv(argv)
    assert len(out) == len(argv) and argv[-1] == "--from-literal=password=x"
    assert redact_argv(out) == out  # idempotent: the audit log may redact what it stores again
