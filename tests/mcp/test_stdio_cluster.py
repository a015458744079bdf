"""The SDK's client against the real `aiops mcp` process over stdio, on the real test control plane."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from aiops_chat.tools.registry import default_registry
from tests.mcp.helpers import accept, audit_entries, stdio_client, text
from tests.support.testcluster import Cluster

pytestmark = pytest.mark.cluster

CANARY = "hunter2-canary-8c1f"


def _replicas(cluster: Cluster, ns: str, name: str = "web") -> str:
    return cluster.kubectl("get", "deploy", name, "-n", ns, "-o", "jsonpath={.spec.replicas}").stdout


@pytest.fixture
def web(kube_cluster: Cluster, kube_namespace: str) -> str:
    kube_cluster.kubectl("create", "deployment", "web", "--image=nginx", "-n", kube_namespace)
    return kube_namespace


def test_lists_the_registry_tools_with_its_own_schemas(kube_cluster: Cluster, kube_namespace: str,
                                                       tmp_path: Path) -> None:
    async def scenario() -> Any:
        async with stdio_client(kube_cluster, tmp_path, kube_namespace) as client:
            return (await client.list_tools()).tools

    tools = anyio.run(scenario)
    registry = default_registry()
    assert [t.name for t in tools] == registry.names()
    for tool in tools:
        assert tool.input_schema == registry.get(tool.name).parameters  # type: ignore[union-attr]


def test_read_runs_and_the_audit_log_names_the_client(kube_cluster: Cluster, web: str, tmp_path: Path) -> None:
    async def scenario() -> Any:
        async with stdio_client(kube_cluster, tmp_path, web) as client:
            return await client.call_tool("get", {"kind": "deployments"})

    result = anyio.run(scenario)
    assert not result.is_error and "web" in text(result) and "untrusted cluster output" in text(result)
    entries = audit_entries(tmp_path)
    assert entries and {e["source"] for e in entries} == {"mcp:pytest-agent/9.9"}
    assert any(e["event"] == "execution" and e["argv"][:2] == ["kubectl", "get"] and e["namespace"] == web
               for e in entries)


def test_write_is_refused_when_the_client_cannot_ask(kube_cluster: Cluster, web: str, tmp_path: Path) -> None:
    async def scenario() -> Any:
        async with stdio_client(kube_cluster, tmp_path, web) as client:  # no elicitation callback
            return await client.call_tool("scale", {"target": "deployment/web", "replicas": 3})

    result = anyio.run(scenario)
    assert result.is_error
    assert "does not support elicitation" in text(result)
    assert f"aiops --context aiops-test -n {web} run -- kubectl scale deployment/web --replicas=3" in text(result)
    assert _replicas(kube_cluster, web) == "1"


@pytest.mark.parametrize("mode", ["auto", "legacy"], ids=["2026-07-28-input-required", "handshake-elicitation"])
def test_write_runs_once_the_person_approves(kube_cluster: Cluster, web: str, tmp_path: Path, mode: str) -> None:
    asked: list[str] = []

    async def scenario() -> Any:
        async with stdio_client(kube_cluster, tmp_path, web, elicit=accept({"approve": True}, asked),
                                mode=mode) as client:
            return await client.call_tool("scale", {"target": "deployment/web", "replicas": 3})

    result = anyio.run(scenario)
    assert not result.is_error, text(result)
    assert _replicas(kube_cluster, web) == "3"
    assert len(asked) == 1 and "kubectl scale deployment/web --replicas=3" in asked[0]
    assert f"namespace {web}" in asked[0] and "pytest-agent/9.9" in asked[0]
    ran = [e for e in audit_entries(tmp_path) if e["event"] == "execution" and e["argv"][1] == "scale"]
    assert ran and ran[-1]["approver"] == "mcp-elicitation:pytest-agent/9.9" and ran[-1]["exit_code"] == 0


def test_declined_write_changes_nothing(kube_cluster: Cluster, web: str, tmp_path: Path) -> None:
    async def decline(ctx: Any, params: Any) -> Any:
        import mcp_types as types

        return types.ElicitResult(action="decline")

    async def scenario() -> Any:
        async with stdio_client(kube_cluster, tmp_path, web, elicit=decline) as client:
            return await client.call_tool("scale", {"target": "deployment/web", "replicas": 4})

    result = anyio.run(scenario)
    assert result.is_error and "not approved" in text(result)
    assert _replicas(kube_cluster, web) == "1"


def test_destructive_write_needs_the_object_name_typed(kube_cluster: Cluster, kube_namespace: str,
                                                        tmp_path: Path) -> None:
    kube_cluster.kubectl("create", "configmap", "doomed", "--from-literal=a=b", "-n", kube_namespace)
    delete = {"args": ["delete", "configmap", "doomed"]}

    async def scenario(answer: dict[str, Any]) -> Any:
        async with stdio_client(kube_cluster, tmp_path, kube_namespace, elicit=accept(answer)) as client:
            return await client.call_tool("kubectl", delete)

    wrong = anyio.run(scenario, {"confirm": "yes"})
    assert wrong.is_error and "did not type the object's name" in text(wrong)
    assert kube_cluster.kubectl("get", "configmap", "doomed", "-n", kube_namespace, check=False).returncode == 0
    right = anyio.run(scenario, {"confirm": "doomed"})
    assert not right.is_error, text(right)
    assert kube_cluster.kubectl("get", "configmap", "doomed", "-n", kube_namespace, check=False).returncode != 0


@pytest.mark.parametrize("args", [["get", "secret", "db", "-o", "yaml"], ["exec", "web-0", "--", "sh"],
                                  ["get", "pods", "--kubeconfig=/tmp/other"]], ids=["secret-value", "exec", "kubeconfig"])
def test_policy_denies_before_anyone_is_asked(kube_cluster: Cluster, kube_namespace: str, tmp_path: Path,
                                              args: list[str]) -> None:
    asked: list[str] = []

    async def scenario() -> Any:
        async with stdio_client(kube_cluster, tmp_path, kube_namespace,
                                elicit=accept({"approve": True}, asked)) as client:
            return await client.call_tool("kubectl", {"args": args})

    result = anyio.run(scenario)
    assert result.is_error and "denied by policy" in text(result)
    assert asked == []
    assert any(e["decision"] == "deny" for e in audit_entries(tmp_path))


def test_read_only_refuses_every_write(kube_cluster: Cluster, web: str, tmp_path: Path) -> None:
    asked: list[str] = []

    async def scenario() -> Any:
        async with stdio_client(kube_cluster, tmp_path, web, "--read-only",
                                elicit=accept({"approve": True}, asked)) as client:
            read = await client.call_tool("get", {"kind": "deployments"})
            write = await client.call_tool("scale", {"target": "deployment/web", "replicas": 2})
            return read, write

    read, write = anyio.run(scenario)
    assert not read.is_error
    assert write.is_error and "denied by policy" in text(write) and "read-only" in text(write)
    assert asked == [] and _replicas(kube_cluster, web) == "1"


def test_a_secret_canary_in_command_output_never_reaches_the_client(kube_cluster: Cluster, kube_namespace: str,
                                                                     tmp_path: Path) -> None:
    ns = kube_namespace
    kube_cluster.kubectl("create", "configmap", "app-settings", f"--from-literal=DB_PASSWORD={CANARY}",
                         f"--from-literal=url=postgres://app:{CANARY}@db:5432/app", "-n", ns)
    kube_cluster.kubectl("create", "deployment", "api", "--image=nginx", "-n", ns)
    kube_cluster.kubectl("set", "env", "deployment/api", f"API_TOKEN={CANARY}", "-n", ns)

    async def scenario() -> list[str]:
        async with stdio_client(kube_cluster, tmp_path, ns) as client:
            calls = [("get", {"kind": "configmap", "name": "app-settings", "output": "yaml"}),
                     ("get", {"kind": "configmap", "name": "app-settings", "output": "json"}),
                     ("describe", {"kind": "deployment", "name": "api"}),
                     ("kubectl", {"args": ["get", "deployment", "api", "-o", "yaml"]})]
            outputs = [text(await client.call_tool(name, args)) for name, args in calls]
            resource = await client.read_resource("aiops://analysis/latest")
            outputs.append(str(resource.contents[0]))
            return outputs

    outputs = anyio.run(scenario)
    assert all("untrusted cluster output" in out for out in outputs[:4]), outputs
    assert any("app-settings" in out for out in outputs)
    for out in outputs:
        assert CANARY not in out
