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
