"""Redaction canaries: each secret shape must vanish; ordinary text must survive."""

from __future__ import annotations

import json

import pytest

from aiops_chat.redaction import MASK, redact

CANARY = "CANARY-7f3a9c"

SECRET_CASES = {
    "secret data yaml": f"apiVersion: v1\ndata:\n  password: {CANARY}\nkind: Secret\nmetadata:\n  name: db\n",
    "secret stringData": f"apiVersion: v1\nkind: Secret\nstringData:\n  token: {CANARY}\n",
    "secret in a List": f"items:\n- apiVersion: v1\n  data:\n    key: {CANARY}\n  kind: Secret\nkind: List\n",
    "secret json": json.dumps({"kind": "Secret", "data": {"k": CANARY}}),
    "secret json list": json.dumps({"kind": "List", "items": [{"kind": "Secret", "data": {"k": CANARY}}]}),
    "env yaml": f"env:\n- name: DB_PASSWORD\n  value: {CANARY}\n",
    "env json": json.dumps({"env": [{"name": "STRIPE_API_KEY", "value": CANARY}]}),
    "env dump": f"HOME=/root\nGITHUB_TOKEN={CANARY}\n",
    "describe env": f"    Environment:\n      AWS_SECRET_ACCESS_KEY:  {CANARY}\n",
    "bearer": f"curl -H 'Authorization: Bearer {CANARY}abcdef'",
    "jwt": "token eyJhbGciOiJSUzI1NiIsImtpZCI6IkNBTkFSWSJ9.eyJzdWIiOiJDQU5BUlktN2YzYTljIn0.c2lnbmF0dXJlLUNBTkFSWQ",
    "pem": f"-----BEGIN RSA PRIVATE KEY-----\nMIIE{CANARY}\nabc\n-----END RSA PRIVATE KEY-----\n",
    "url password": f"DATABASE_URL_X postgres://admin:{CANARY}@db:5432/app",
    "kubeconfig data": f"users:\n- name: admin\n  user:\n    client-key-data: {CANARY}\n",
    "kubeconfig token": f"  user:\n    token: {CANARY}\n",
    "aws key id": "found AKIAIOSFODNN7EXAMPLE in logs",
    "azure": f"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={CANARY};EndpointSuffix=core",
    "github": "ghp_" + "A" * 36,
    "openai": "sk-proj-" + "b" * 40,
    "inline in a log line": f"2026-11-27 db: connecting with user=app password={CANARY} host=db",
    "query string token": f"GET /callback?token={CANARY}&state=1",
    "helm values json": json.dumps({"auth": {"password": CANARY}, "replicaCount": 1}),
    "configmap json": json.dumps({"kind": "ConfigMap", "data": {"DB_PASSWORD": CANARY}}),
    "helm status manifest": json.dumps({"name": "app", "manifest": f"kind: ConfigMap\ndata:\n  DB_PASSWORD: {CANARY}\n"}),
    "python dict in a log": "settings {'password': '" + CANARY + "', 'secretName': 'db'}",
    "json log line": '{"level":"info","password":"' + CANARY + '"}',
    "quoted log value": f'login failed for password="{CANARY} x"',
    "redis empty user": f"redis://:{CANARY}@redis:6379/0",
    "env DB_PASS": f"env:\n- name: DB_PASS\n  value: {CANARY}\n",
    "env RAILS_MASTER_KEY": f"RAILS_MASTER_KEY={CANARY}\n",
    "env value before name": f"env:\n- value: {CANARY}\n  name: SIGNING_KEY\n",
    "last-applied secret in yaml": (
        "metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n"
        '      {"apiVersion":"v1","data":{"token":"' + CANARY + '"},"kind":"Secret"}\n'),
    "last-applied secret in json": json.dumps({"metadata": {"annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"kind": "Secret", "data": {"t": CANARY}})}}}),
    "gcp private key": json.dumps({"type": "service_account", "private_key": CANARY}),
}


@pytest.mark.parametrize("name", sorted(SECRET_CASES))
def test_canary_is_removed(name: str) -> None:
    text = SECRET_CASES[name]
    out = redact(text)
    assert CANARY not in out
    assert MASK in out
    for token in ("AKIAIOSFODNN7EXAMPLE", "ghp_" + "A" * 36, "sk-proj-" + "b" * 40, "eyJhbGciOi"):
        assert token not in out


NORMAL = [
    "NAME                READY   STATUS    RESTARTS   AGE\ntaskflow-backend-1  1/1     Running   0          5m\n",
    "apiVersion: v1\ndata:\n  color: blue\nkind: ConfigMap\n",
    "env:\n- name: LOG_LEVEL\n  value: debug\n",
    "Events:\n  Warning  BackOff  kubelet  Back-off restarting failed container\n",
    "https://example.com/path?q=1",
    "    Environment:\n      DB_PASSWORD:  <set to the key 'password' in secret 'db'>  Optional: false\n",
    '{"spec": {"volumes": [{"name": "creds", "secret": {"secretName": "db-creds"}}]}}',
    "env:\n- name: BYPASS_CACHE\n  value: \"true\"\n",
]


@pytest.mark.parametrize("text", NORMAL)
def test_ordinary_output_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_extra_patterns_from_config() -> None:
    assert redact("order id ACME-12345 shipped", ["ACME-[0-9]+"]) == f"order id {MASK} shipped"


def test_json_stays_json() -> None:
    out = redact(SECRET_CASES["secret json list"])
    assert json.loads(out)["items"][0]["data"]["k"] == MASK


# --- structure-aware documents ------------------------------------------------------------------------

SECRET_YAML = """\
apiVersion: v1
data:
  password: aHVudGVyMg==   # base64
  tls.key: |
    LS0tLS1CRUdJTi1LRVk=
kind: Secret
metadata:
  annotations:
    note: "keep me"
  name: db
  resourceVersion: "48213"
type: Opaque
"""


def test_yaml_document_is_masked_in_place() -> None:
    out = redact(SECRET_YAML)
    assert "aHVudGVyMg==" not in out and "LS0tLS1CRUdJTi1LRVk=" not in out
    # Every line but the masked values is byte-for-byte what kubectl printed (comments and quotes too).
    kept = [line for line in SECRET_YAML.splitlines() if "aHVudGVyMg" not in line and "LS0tLS1" not in line
            and "tls.key" not in line]
    assert all(line in out.splitlines() for line in kept)
    assert "  password: [REDACTED]   # base64" in out


def test_json_without_secrets_keeps_its_exact_text() -> None:
    text = '{"kind":"Pod",  "metadata": {"name": "web", "uid": "6a1b2c3d"}, "spec": {}}\n'
    assert redact(text) == text


def test_a_braced_line_that_is_not_json_does_not_crash() -> None:
    # It used to recurse without end (RecursionError) between the JSON and the YAML-line passes.
    text = "starting\n{not: json, password: hunter2}\n"
    out = redact(text)
    assert "hunter2" not in out and out.startswith("starting\n{not: json, password: ")


@pytest.mark.parametrize("text", ["[" * 50_000 + "]" * 50_000, '{"a":' * 30_000 + "1" + "}" * 30_000,
                                  "a: " + "[" * 30_000 + "]" * 30_000],
                         ids=["json list", "json object", "yaml flow"])
def test_nesting_deeper_than_the_parsers_go_falls_back_to_the_line_rules(text: str) -> None:
    assert redact(text + "\npassword=hunter2").endswith(f"password={MASK}")


def test_yaml_aliases_are_walked_once() -> None:
    # A billion-laughs document: 9 levels of 9 references each. Expanded, 9**9 leaves; walked by node, 81.
    lines = ["a0: &a0 {password: hunter2}"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    out = redact("\n".join(lines) + "\n")
    assert "hunter2" not in out and out.count("*a8") == 9


def test_a_document_too_big_to_parse_still_gets_the_line_rules() -> None:
    from aiops_chat.redaction.documents import MAX_DOCUMENT_CHARS

    filler = "".join(f"  k{i}: v{i}\n" for i in range(MAX_DOCUMENT_CHARS // 12))
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: big\ndata:\n  password: aHVudGVyMg==\n{filler}"
    assert len(text) > MAX_DOCUMENT_CHARS
    assert "aHVudGVyMg==" not in redact(text)


def test_colour_codes_stay_where_they_were() -> None:
    text = "\x1b[36muser\x1b[0m=bob \x1b[36mpassword\x1b[0m=\x1b[32mhunter2\x1b[0m done"
    assert redact(text) == f"\x1b[36muser\x1b[0m=bob \x1b[36mpassword\x1b[0m=\x1b[32m{MASK}\x1b[0m done"


def test_redacting_twice_changes_nothing() -> None:
    for text in [*SECRET_CASES.values(), SECRET_YAML]:
        once = redact(text)
        assert redact(once) == once
