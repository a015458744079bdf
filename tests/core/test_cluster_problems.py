"""The one classifier of cluster problems (aiops_chat/cluster_problems.py): kubectl's, helm's and the SDK's
wording map to the same named problems; the kubeconfig's own problems are found before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiops_chat.cluster_problems import Problem, Where, check_kubeconfig, classify, diagnose
from aiops_chat.errors import ClusterError

AT = Where(files=(Path("/home/u/.kube/config"),), context="prod", user="ops", server="https://api.example:6443")

ROWS: list[tuple[str, Problem | None]] = [
    # kubectl (Go client) wording
    ('error: context "prod" does not exist\n', Problem.UNKNOWN_CONTEXT),
    ("Error: Kubernetes cluster unreachable: context was not found for specified context: prod\n",
     Problem.UNKNOWN_CONTEXT),  # helm
    ("error: You must be logged in to the server (Unauthorized)\n", Problem.UNAUTHORIZED),
    ("Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown "
     "authority\n", Problem.TLS),
    ("Unable to connect to the server: x509: certificate has expired or is not yet valid\n", Problem.TLS),
    ("E1204 16:42:51.702406   15525 memcache.go:265] couldn't get current server API group list: dial tcp "
     "127.0.0.1:9: connect: connection refused\nThe connection to the server 127.0.0.1:9 was refused - did you "
     "specify the right host or port?\n", Problem.REFUSED),
    ("Unable to connect to the server: dial tcp: lookup api.example.invalid on 10.0.0.53:53: no such host\n",
     Problem.DNS),
    ("Unable to connect to the server: dial tcp 10.1.2.3:443: i/o timeout\n", Problem.TIMEOUT),
    ("Unable to connect to the server: net/http: TLS handshake timeout\n", Problem.TIMEOUT),
    ("Error: Kubernetes cluster unreachable: Get \"https://x/version\": dial tcp: connect: no route to host\n",
     Problem.UNREACHABLE),
    ('Error from server (Forbidden): secrets is forbidden: User "viewer" cannot list resource "secrets"\n',
     Problem.FORBIDDEN),
    # the gateway's (Python, urllib3) wording
    ("HTTPSConnection(host='127.0.0.1', port=9): Failed to establish a new connection: [Errno 111] Connection "
     "refused", Problem.REFUSED),
    ("HTTPSConnection(host='x.invalid', port=6443): Failed to resolve 'x.invalid' ([Errno -2] Name or service "
     "not known)", Problem.DNS),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
     Problem.TLS),
    ("HTTPSConnectionPool(host='10.0.0.1', port=6443): Read timed out. (read timeout=5.0)", Problem.TIMEOUT),
    ("HTTP 401 Unauthorized: Unauthorized", Problem.UNAUTHORIZED),
    # not the cluster's problem: one object, one flag
    ('Error from server (NotFound): pods "web" not found\n', None),
    ('error: unknown flag: --bogus\n', None),
    ('Error from server (NotFound): pods "connection-refused-x509" not found\n', None),  # a name is not a cause
    ("", None),
]


@pytest.mark.parametrize(("text", "problem"), ROWS, ids=[f"{i}-{r[1]}" for i, r in enumerate(ROWS)])
def test_classify(text: str, problem: Problem | None) -> None:
    found = classify(text, AT)
    assert (found.problem if found else None) is problem


def test_a_diagnosis_names_the_server_context_and_what_to_try() -> None:
    found = classify("error: You must be logged in to the server (Unauthorized)\n", AT)
    assert found is not None
    assert "https://api.example:6443 (context 'prod')" in found.message and "user 'ops'" in found.message
    err = found.error()
    assert isinstance(err, ClusterError) and err.title == "cluster credentials rejected"
    assert "kubectl auth whoami" in str(err)
    refused = classify("dial tcp 127.0.0.1:9: connect: connection refused", AT)
    assert refused is not None and refused.title == "cluster unreachable"
    assert "klog" not in refused.message and "memcache" not in refused.message


def test_only_one_forbidden_request_is_not_the_whole_cluster() -> None:
    found = classify('Error from server (Forbidden): pods is forbidden: User "v" cannot create\n', AT)
    assert found is not None and not found.cluster_wide
    assert all(f is not None and f.cluster_wide for f in (classify(t, AT) for t, p in ROWS
                                                          if p not in (None, Problem.FORBIDDEN)))


KUBECONFIG = """apiVersion: v1
kind: Config
current-context: {current}
clusters: [{{name: c1, cluster: {{server: '{server}'}}}}]
users: [{{name: u1, user: {{token: t}}}}]
contexts:
- {{name: a, context: {{cluster: c1, user: u1}}}}
- {{name: b, context: {{cluster: gone, user: u1}}}}
- {{name: c, context: {{cluster: c1, user: nobody}}}}
"""


def _kubeconfig(tmp_path: Path, *, current: str = "a", server: str = "https://k:6443") -> str:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG.format(current=current, server=server))
    return str(path)


@pytest.mark.parametrize(("context", "problem", "says"), [
    (None, None, None),
    ("a", None, None),
    ("prod", Problem.UNKNOWN_CONTEXT, "context 'prod' not found in {file} (contexts: a, b, c)"),
    ("b", Problem.MISSING_CLUSTER, "names cluster 'gone', which is not in its clusters (clusters: c1)"),
    ("c", Problem.MISSING_USER, "names user 'nobody', which is not in its users (users: u1)"),
])
def test_check_kubeconfig(tmp_path: Path, context: str | None, problem: Problem | None, says: str | None) -> None:
    file = _kubeconfig(tmp_path)
    at, found = check_kubeconfig(file, str(tmp_path), context)
    assert (found.problem if found else None) is problem
    if says is not None:
        assert found is not None and says.format(file=file) in found.message
    else:
        assert at.server == "https://k:6443" and at.user == "u1"


def test_no_file_no_current_context_no_server(tmp_path: Path) -> None:
    missing = f"{tmp_path}/nope:{tmp_path}/nope2"  # a KUBECONFIG list: all of it is missing
    _, found = check_kubeconfig(missing, str(tmp_path), None)
    assert found is not None and found.problem is Problem.NO_KUBECONFIG
    assert f"{tmp_path}/nope, {tmp_path}/nope2 does not exist" in found.message
    _, found = check_kubeconfig("", str(tmp_path / "home"), None)  # the default ~/.kube/config
    assert found is not None and str(tmp_path / "home" / ".kube" / "config") in found.message
    _, found = check_kubeconfig(_kubeconfig(tmp_path, current="''"), str(tmp_path), None)
    assert found is not None and found.problem is Problem.NO_CONTEXT and "(contexts: a, b, c)" in found.message
    _, found = check_kubeconfig(_kubeconfig(tmp_path, server=""), str(tmp_path), "a")
    assert found is not None and found.problem is Problem.NO_SERVER


def test_diagnose_blames_the_kubeconfig_only_for_a_cluster_failure(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    refused = "The connection to the server localhost:8080 was refused - did you specify the right host or port?"
    found = diagnose(refused, missing, str(tmp_path), None)
    assert found is not None and found.problem is Problem.NO_KUBECONFIG
    # kubectl prompts on stdout when the context's user is missing
    found = diagnose("error: EOF", _kubeconfig(tmp_path), str(tmp_path), "c", stdout="Please enter Username: ")
    assert found is not None and found.problem is Problem.MISSING_USER
    # a NotFound is a NotFound, whatever the kubeconfig says (kubectl may run in-cluster without one)
    assert diagnose('Error from server (NotFound): pods "x" not found', missing, str(tmp_path), None) is None
