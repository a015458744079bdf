"""Start and stop the real Kubernetes control plane the tests run against.

etcd (Debian's etcd-server) + kube-apiserver, kube-controller-manager and kube-scheduler 1.20
(built from Debian's source package by scripts/build-control-plane) + the fake kubelet in
fake_kubelet.py, all on loopback with free ports and one state directory holding PKI,
kubeconfigs, logs and PIDs. Standard library and PyYAML only, so that scripts/testcluster
can use it outside pytest.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NODE_NAME = "aiops-node-1"
ADMIN_CONTEXT = "aiops-test"
VIEWER_CONTEXT = "aiops-test-viewer"
PROD_CONTEXT = "prod-cluster"
ADMIN_USER = "aiops-admin"
VIEWER_USER = "aiops-viewer"
METRICS_SERVICE = "aiops-metrics"
SERVICE_CIDR = "10.0.0.0/24"
CONTROL_PLANE_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
INSTALL_HINT = "run scripts/install-test-deps (installs etcd, builds kube-apiserver & co., fetches helm)"

_SUPPORT_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _SUPPORT_DIR.parent.parent
# Stop order: reverse of start order, so nothing outlives what it talks to.
_START_ORDER = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "fake-kubelet")


class ClusterStartError(RuntimeError):
    """The control plane could not be started (missing binaries, a component died, timeout)."""


def cache_dir() -> Path:
    return Path(os.environ.get("AIOPS_TEST_CACHE") or Path.home() / ".cache" / "aiops-testcluster")


def default_state_dir() -> Path:
    return cache_dir() / "cluster"


def bin_dir() -> Path:
    return cache_dir() / "bin"


def missing_tools() -> list[str]:
    """Names of the executables the cluster needs that are not installed."""
    missing = [b for b in (*CONTROL_PLANE_BINARIES, "helm") if not os.access(bin_dir() / b, os.X_OK)]
    missing += [t for t in ("etcd", "kubectl", "openssl") if shutil.which(t) is None]
    return missing


@dataclass
class Cluster:
    """A running control plane, as described by <state_dir>/cluster.json."""

    state_dir: Path
    server: str
    kubeconfig: Path
    viewer_kubeconfig: Path
    multi_kubeconfig: Path
    bin_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    node_name: str = NODE_NAME

    @property
    def env(self) -> dict[str, str]:
        """Environment for subprocesses: admin KUBECONFIG, helm on PATH, caches kept in the state dir."""
        env = dict(os.environ)
        env["KUBECONFIG"] = str(self.kubeconfig)
        path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != str(self.bin_dir)]
        env["PATH"] = os.pathsep.join([str(self.bin_dir), *path])
        env["KUBECACHEDIR"] = str(self.state_dir / "kube-cache")
        for kind in ("CACHE", "CONFIG", "DATA"):
            env[f"HELM_{kind}_HOME"] = str(self.state_dir / "helm" / kind.lower())
        return env

    def kubectl(
        self,
        *args: str,
        input: str | None = None,
        kubeconfig: Path | str | None = None,
        check: bool = True,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        env = self.env
        if kubeconfig is not None:
            env["KUBECONFIG"] = str(kubeconfig)
        proc = subprocess.run(
            ["kubectl", *args], input=input, env=env, capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, proc.args, proc.stdout, proc.stderr)
        return proc

    def kubectl_json(self, *args: str, kubeconfig: Path | str | None = None) -> Any:
        """`kubectl <args> -o json`, decoded."""
        return json.loads(self.kubectl(*args, "-o", "json", kubeconfig=kubeconfig).stdout)

    def helm(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.bin_dir / "helm"), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, proc.args, proc.stdout, proc.stderr)
        return proc

    def api(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json") -> Any:
        """A request to the apiserver as admin; returns the decoded JSON answer."""
        return _api_request(self.server, self._token("admin"), self._ca(), method, path, body, content_type)

    def _token(self, who: str) -> str:
        return (self.state_dir / "pki" / f"{who}.token").read_text().strip()

    def _ca(self) -> Path:
        return self.state_dir / "pki" / "ca.crt"

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "kubeconfig": str(self.kubeconfig),
            "viewer_kubeconfig": str(self.viewer_kubeconfig),
            "multi_kubeconfig": str(self.multi_kubeconfig),
            "bin_dir": str(self.bin_dir),
            "ports": self.ports,
            "node_name": self.node_name,
        }

    @classmethod
    def load(cls, state_dir: Path) -> Cluster:
        data = json.loads((state_dir / "cluster.json").read_text())
        return cls(
            state_dir=state_dir,
            server=data["server"],
            kubeconfig=Path(data["kubeconfig"]),
            viewer_kubeconfig=Path(data["viewer_kubeconfig"]),
            multi_kubeconfig=Path(data["multi_kubeconfig"]),
            bin_dir=Path(data["bin_dir"]),
            ports={k: int(v) for k, v in data["ports"].items()},
            node_name=data.get("node_name", NODE_NAME),
        )


# --- processes -------------------------------------------------------------------------------


def _pids_file(state_dir: Path) -> Path:
    return state_dir / "pids.json"


def _read_pids(state_dir: Path) -> dict[str, int]:
    try:
        return {k: int(v) for k, v in json.loads(_pids_file(state_dir).read_text()).items()}
    except (OSError, ValueError):
        return {}


def _write_pids(state_dir: Path, pids: dict[str, int]) -> None:
    tmp = _pids_file(state_dir).with_suffix(".tmp")
    tmp.write_text(json.dumps(pids, indent=1))
    tmp.replace(_pids_file(state_dir))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            # A zombie we have not reaped is as good as dead.
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _is_ours(pid: int, state_dir: Path) -> bool:
    """Guard against a recycled PID: our processes carry the state dir on their command line."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return str(state_dir) in cmdline


def status(state_dir: Path | None = None) -> dict[str, bool]:
    """Which components recorded in the state dir are alive."""
    state_dir = (state_dir or default_state_dir()).resolve()
    return {
        name: _alive(pid) and _is_ours(pid, state_dir) for name, pid in _read_pids(state_dir).items()
    }


def is_running(state_dir: Path | None = None) -> bool:
    st = status(state_dir)
    return bool(st) and all(st.values()) and set(st) == set(_START_ORDER)


def stop(state_dir: Path | None = None, *, timeout: float = 10) -> None:
    """Stop every process recorded in the state dir, by PID (TERM, then KILL)."""
    state_dir = (state_dir or default_state_dir()).resolve()
    pids = _read_pids(state_dir)
    order = [n for n in reversed(_START_ORDER) if n in pids] + [n for n in pids if n not in _START_ORDER]
    for name in order:
        pid = pids[name]
        if not (_alive(pid) and _is_ours(pid, state_dir)):
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        _reap(pid)
    with contextlib.suppress(FileNotFoundError):
        _pids_file(state_dir).unlink()


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _spawn(name: str, argv: list[str], state_dir: Path, pids: dict[str, int]) -> subprocess.Popen[bytes]:
    log = open(state_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    try:
        # A session of its own: `scripts/testcluster up` returns while the cluster stays up,
        # and a Ctrl-C in the terminal does not take the cluster down half-way.
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        log.close()
    pids[name] = proc.pid
    _write_pids(state_dir, pids)
    return proc


# --- PKI and kubeconfigs ---------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ClusterStartError(f"openssl {' '.join(args[:2])} failed: {proc.stderr.strip()}")


def _ec_key(pki: Path, name: str) -> None:
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}.key", cwd=pki)


def _signed_cert(pki: Path, name: str, subject: str, ca: str, *, sans: list[str], usage: str) -> None:
    _ec_key(pki, name)
    _openssl("req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr", cwd=pki)
    ext = [f"extendedKeyUsage={usage}", "keyUsage=critical,digitalSignature,keyEncipherment"]
    if sans:
        ext.append("subjectAltName=" + ",".join(sans))
    (pki / f"{name}.ext").write_text("\n".join(ext) + "\n")
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
        "-CAcreateserial", "-days", "3650", "-sha256", "-extfile", f"{name}.ext", "-out", f"{name}.crt",
        cwd=pki,
    )  # fmt: skip


def _make_pki(pki: Path) -> None:
    pki.mkdir(parents=True, exist_ok=True)
    for ca, cn in (("ca", "aiops-test-ca"), ("front-proxy-ca", "aiops-test-front-proxy-ca")):
        _ec_key(pki, ca)
        _openssl(
            "req", "-x509", "-new", "-key", f"{ca}.key", "-subj", f"/CN={cn}", "-days", "3650",
            "-sha256", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature", "-out", f"{ca}.crt",
            cwd=pki,
        )  # fmt: skip
    apiserver_sans = ["IP:127.0.0.1", "IP:10.0.0.1", "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default"]
    apiserver_sans += ["DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local"]
    _signed_cert(pki, "apiserver", "/CN=kube-apiserver", "ca", sans=apiserver_sans, usage="serverAuth")
    # The fake kubelet serves both the kubelet API (logs) and the metrics API; the aggregator
    # checks the latter against <service>.<namespace>.svc.
    kubelet_sans = ["IP:127.0.0.1", "DNS:localhost", f"DNS:{NODE_NAME}"]
    kubelet_sans += [f"DNS:{METRICS_SERVICE}.kube-system.svc", f"DNS:{METRICS_SERVICE}.kube-system.svc.cluster.local"]
    _signed_cert(pki, "kubelet", f"/CN={NODE_NAME}", "ca", sans=kubelet_sans, usage="serverAuth")
    _signed_cert(
        pki, "apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", "ca",
        sans=[], usage="clientAuth",
    )  # fmt: skip
    _signed_cert(pki, "front-proxy-client", "/CN=front-proxy-client", "front-proxy-ca", sans=[], usage="clientAuth")
    # Service-account token signing key pair.
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
    admin, viewer = secrets.token_hex(16), secrets.token_hex(16)
    (pki / "admin.token").write_text(admin + "\n")
    (pki / "viewer.token").write_text(viewer + "\n")
    (pki / "tokens.csv").write_text(
        f'{admin},{ADMIN_USER},uid-admin,"system:masters"\n{viewer},{VIEWER_USER},uid-viewer\n'
    )
    for p in pki.iterdir():
        if p.suffix in (".key", ".token", ".csv"):
            p.chmod(0o600)


def _kubeconfig(server: str, ca: Path, users: dict[str, str], contexts: dict[str, str], current: str) -> str:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "aiops-test", "cluster": {"server": server, "certificate-authority": str(ca)}}],
        "users": [{"name": u, "user": {"token": t}} for u, t in users.items()],
        "contexts": [
            {"name": c, "context": {"cluster": "aiops-test", "user": u, "namespace": "default"}}
            for c, u in contexts.items()
        ],
        "current-context": current,
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def _write_kubeconfigs(state_dir: Path, server: str) -> tuple[Path, Path, Path]:
    pki = state_dir / "pki"
    ca = pki / "ca.crt"
    admin = (pki / "admin.token").read_text().strip()
    viewer = (pki / "viewer.token").read_text().strip()
    paths = (state_dir / "kubeconfig", state_dir / "viewer.kubeconfig", state_dir / "multi.kubeconfig")
    texts = (
        _kubeconfig(server, ca, {ADMIN_USER: admin}, {ADMIN_CONTEXT: ADMIN_USER}, ADMIN_CONTEXT),
        _kubeconfig(server, ca, {VIEWER_USER: viewer}, {VIEWER_CONTEXT: VIEWER_USER}, VIEWER_CONTEXT),
        _kubeconfig(
            server, ca, {ADMIN_USER: admin, VIEWER_USER: viewer},
            {ADMIN_CONTEXT: ADMIN_USER, VIEWER_CONTEXT: VIEWER_USER, PROD_CONTEXT: ADMIN_USER}, ADMIN_CONTEXT,
        ),
    )  # fmt: skip
    for path, text in zip(paths, texts, strict=True):
        path.write_text(text)
        path.chmod(0o600)
    return paths


# --- start -----------------------------------------------------------------------------------


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _api_request(
    server: str, token: str, ca: Path, method: str, path: str, body: Any = None,
    content_type: str = "application/json", timeout: float = 10,
) -> Any:  # fmt: skip
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(server + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", content_type)
    ctx = ssl.create_default_context(cafile=str(ca))
    with urllib.request.urlopen(req, context=ctx, timeout=timeout) as resp:
        raw = resp.read()
    return json.loads(raw) if raw[:1] in (b"{", b"[") else raw.decode()


def _bootstrap_manifest(kubelet_port: int, ca_pem: str) -> str:
    import base64

    docs: list[dict[str, Any]] = [
        {
            # The viewer reads everything `view` allows and writes nothing.
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "aiops-test-viewer"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": VIEWER_USER}],
        },
        {
            # What metrics-server ships: lets `view` (and so the viewer) read metrics.
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {
                "name": "system:aggregated-metrics-reader",
                "labels": {
                    "rbac.authorization.k8s.io/aggregate-to-view": "true",
                    "rbac.authorization.k8s.io/aggregate-to-edit": "true",
                    "rbac.authorization.k8s.io/aggregate-to-admin": "true",
                },
            },
            "rules": [{"apiGroups": ["metrics.k8s.io"], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]}],
        },
        {
            # The aggregator resolves an ExternalName service to <externalName>:<APIService port>,
            # which lets it reach the fake kubelet's metrics API on loopback without a pod network.
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": METRICS_SERVICE, "namespace": "kube-system", "labels": {"app": "aiops-metrics"}},
            "spec": {"type": "ExternalName", "externalName": "127.0.0.1"},
        },
        {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": "v1beta1.metrics.k8s.io"},
            "spec": {
                "group": "metrics.k8s.io",
                "version": "v1beta1",
                "groupPriorityMinimum": 100,
                "versionPriority": 100,
                "service": {"name": METRICS_SERVICE, "namespace": "kube-system", "port": kubelet_port},
                "caBundle": base64.b64encode(ca_pem.encode()).decode(),
            },
        },
    ]
    return yaml.safe_dump_all(docs, sort_keys=False)


def start(
    state_dir: Path | None = None, *, timeout: float = 90, verbose: bool = False, owner_pid: int | None = None
) -> Cluster:
    """Start a fresh control plane in state_dir (wiped first) and wait until it is usable.

    With owner_pid, the fake kubelet stops the whole cluster once that process is gone.

    Usable means: /readyz answers, the default ServiceAccount has its token, the node is Ready
    and the metrics APIService is Available. Raises ClusterStartError, after stopping what it
    started, when anything fails.
    """
    for attempt in range(3):
        try:
            return _start_once(state_dir, timeout=timeout, verbose=verbose, owner_pid=owner_pid)
        except ClusterStartError as e:
            # Free ports are picked, released, then bound by the components: a cluster starting
            # beside us may take one in between. Pick new ones.
            if "address already in use" not in str(e).lower() or attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_once(state_dir: Path | None, *, timeout: float, verbose: bool, owner_pid: int | None) -> Cluster:
    missing = missing_tools()
    if missing:
        raise ClusterStartError(f"missing {', '.join(missing)} (looked in {bin_dir()} and PATH): {INSTALL_HINT}")
    state_dir = (state_dir or default_state_dir()).resolve()
    if is_running(state_dir):
        raise ClusterStartError(f"a cluster is already running in {state_dir} (stop it first)")
    stop(state_dir)
    for sub in ("etcd", "logs", "pki", "kube-cache", "helm"):
        shutil.rmtree(state_dir / sub, ignore_errors=True)
    (state_dir / "logs").mkdir(parents=True)
    t0 = time.monotonic()

    def note(msg: str) -> None:
        if verbose:
            print(f"[testcluster {time.monotonic() - t0:5.1f}s] {msg}", file=sys.stderr)

    _make_pki(state_dir / "pki")
    note("PKI ready")
    etcd_port, peer_port, api_port, kubelet_port = _free_ports(4)
    ports = {"etcd": etcd_port, "etcd-peer": peer_port, "apiserver": api_port, "kubelet": kubelet_port}
    server = f"https://127.0.0.1:{api_port}"
    kubeconfig, viewer_kubeconfig, multi_kubeconfig = _write_kubeconfigs(state_dir, server)
    cluster = Cluster(
        state_dir=state_dir, server=server, kubeconfig=kubeconfig, viewer_kubeconfig=viewer_kubeconfig,
        multi_kubeconfig=multi_kubeconfig, bin_dir=bin_dir(), ports=ports,
    )  # fmt: skip
    (state_dir / "cluster.json").write_text(json.dumps(cluster.to_json(), indent=1))

    pki = state_dir / "pki"
    bins = bin_dir()
    pids: dict[str, int] = {}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        procs["etcd"] = _spawn("etcd", [
            "etcd", "--name", "aiops-test", "--data-dir", str(state_dir / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-cluster", f"aiops-test=http://127.0.0.1:{peer_port}",
            "--listen-metrics-urls", "", "--log-level", "warn", "--logger", "zap",
            "--quota-backend-bytes", str(2 * 1024**3),
        ], state_dir, pids)  # fmt: skip
        procs["kube-apiserver"] = _spawn("kube-apiserver", [
            str(bins / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{etcd_port}",
            "--bind-address=127.0.0.1", f"--secure-port={api_port}", "--insecure-port=0",
            f"--cert-dir={pki}",
            f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--token-auth-file={pki / 'tokens.csv'}",
            "--authorization-mode=Node,RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--endpoint-reconciler-type=none",
            "--kubelet-preferred-address-types=InternalIP",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
            f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
            f"--requestheader-client-ca-file={pki / 'front-proxy-ca.crt'}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-username-headers=X-Remote-User",
            "--allow-privileged=true",
            "--profiling=false",
            # Tests on one small machine: no need for the default 600 in-flight requests.
            "--max-requests-inflight=200",
        ], state_dir, pids)  # fmt: skip
        _wait(lambda: _readyz(cluster), "kube-apiserver /readyz", procs, t0 + timeout, state_dir)
        note("apiserver ready")
        component_kubeconfig = state_dir / "kubeconfig"
        procs["kube-controller-manager"] = _spawn("kube-controller-manager", [
            str(bins / "kube-controller-manager"),
            f"--kubeconfig={component_kubeconfig}",
            "--leader-elect=false", "--secure-port=0", "--port=0",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}", f"--cluster-signing-key-file={pki / 'ca.key'}",
            # No cloud, no pod network: the controllers that need one stay off.
            "--controllers=*,-nodeipam,-cloud-node-lifecycle,-route,-service",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--cluster-name=aiops-test",
        ], state_dir, pids)  # fmt: skip
        procs["kube-scheduler"] = _spawn("kube-scheduler", [
            str(bins / "kube-scheduler"),
            f"--kubeconfig={component_kubeconfig}",
            "--leader-elect=false", "--secure-port=0", "--port=0",
        ], state_dir, pids)  # fmt: skip
        procs["fake-kubelet"] = _spawn("fake-kubelet", [
            sys.executable, str(_SUPPORT_DIR / "fake_kubelet.py"),
            "--server", server, "--token-file", str(pki / "admin.token"), "--ca-file", str(pki / "ca.crt"),
            "--cert-file", str(pki / "kubelet.crt"), "--key-file", str(pki / "kubelet.key"),
            "--port", str(kubelet_port), "--node-name", NODE_NAME,
            "--log-file", str(state_dir / "logs" / "fake-kubelet.log"), "--state-dir", str(state_dir),
            *(["--owner-pid", str(owner_pid)] if owner_pid else []),
        ], state_dir, pids)  # fmt: skip
        ca_pem = (pki / "ca.crt").read_text()
        cluster.kubectl("apply", "-f", "-", input=_bootstrap_manifest(kubelet_port, ca_pem))
        note("bootstrap objects applied")
        _wait(lambda: _default_sa_token(cluster, "default"), "default ServiceAccount token", procs, t0 + timeout, state_dir)
        note("service-account tokens ready")
        _wait(lambda: _node_ready(cluster), f"node {NODE_NAME} Ready", procs, t0 + timeout, state_dir)
        note("node ready")
        _wait(lambda: _metrics_available(cluster), "metrics APIService Available", procs, t0 + timeout, state_dir)
        note("metrics API available")
    except BaseException:
        stop(state_dir)
        raise
    return cluster


def _wait(check: Any, what: str, procs: dict[str, subprocess.Popen[bytes]], deadline: float, state_dir: Path) -> None:
    while True:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise ClusterStartError(
                    f"{name} exited with {proc.returncode} while waiting for {what}; its log ends:\n"
                    + logs_tail(state_dir, name)
                )
        try:
            if check():
                return
        except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError, subprocess.SubprocessError):
            pass
        if time.monotonic() > deadline:
            raise ClusterStartError(f"timed out waiting for {what} (logs in {state_dir / 'logs'})")
        time.sleep(0.2)


def _readyz(cluster: Cluster) -> bool:
    return bool(cluster.api("GET", "/readyz") == "ok")


def _default_sa_token(cluster: Cluster, namespace: str) -> bool:
    sa = cluster.api("GET", f"/api/v1/namespaces/{namespace}/serviceaccounts/default")
    return bool(sa.get("secrets"))


def _node_ready(cluster: Cluster) -> bool:
    node = cluster.api("GET", f"/api/v1/nodes/{NODE_NAME}")
    ready = any(
        c["type"] == "Ready" and c["status"] == "True" for c in node.get("status", {}).get("conditions", [])
    )
    tainted = any(t.get("key") == "node.kubernetes.io/not-ready" for t in node["spec"].get("taints", []))
    return ready and not tainted


def _metrics_available(cluster: Cluster) -> bool:
    svc = cluster.api("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io")
    available = any(
        c["type"] == "Available" and c["status"] == "True" for c in svc.get("status", {}).get("conditions", [])
    )
    # Available comes a second or two before the aggregator routes the group (404 until then).
    return available and cluster.api("GET", f"/apis/metrics.k8s.io/v1beta1/nodes/{NODE_NAME}")["kind"] == "NodeMetrics"


def wait_for_namespace_ready(cluster: Cluster, namespace: str, timeout: float = 30) -> None:
    """1.20 rejects pods in a namespace until its default ServiceAccount has a token secret."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            if _default_sa_token(cluster, namespace):
                return
        time.sleep(0.1)
    raise ClusterStartError(f"namespace {namespace}: default ServiceAccount token not created in {timeout}s")


def logs_tail(state_dir: Path, name: str, lines: int = 30) -> str:
    try:
        text = (state_dir / "logs" / f"{name}.log").read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def shell_env(cluster: Cluster) -> str:
    """`export` lines for a shell: admin KUBECONFIG and helm on PATH."""
    env = cluster.env
    keys = ["KUBECONFIG", "PATH", "KUBECACHEDIR", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"]
    return "".join(f"export {k}={_shell_quote(env[k])}\n" for k in keys)


def _shell_quote(s: str) -> str:
    return "'" + s.replace("'", "'\"'\"'") + "'"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="testcluster", description="The aiops-chat test control plane.")
    parser.add_argument("command", choices=["up", "down", "env", "status"])
    parser.add_argument("--state-dir", type=Path, default=None, help=f"default {default_state_dir()}")
    args = parser.parse_args(argv)
    state_dir = (args.state_dir or default_state_dir()).resolve()
    if args.command == "up":
        if is_running(state_dir):
            print(f"already running ({state_dir})", file=sys.stderr)
            return 0
        t = time.monotonic()
        try:
            cluster = start(state_dir, verbose=True)
        except ClusterStartError as e:
            print(f"testcluster: {e}", file=sys.stderr)
            return 1
        print(f"up in {time.monotonic() - t:.1f}s: {cluster.server}; state in {state_dir}", file=sys.stderr)
        print(f"use it: eval \"$(scripts/testcluster env)\"   (AIOPS_TEST_KUBECONFIG={cluster.kubeconfig} "
              "makes pytest reuse it)", file=sys.stderr)  # fmt: skip
        return 0
    if args.command == "down":
        stop(state_dir)
        print("down", file=sys.stderr)
        return 0
    if args.command == "env":
        if not (state_dir / "cluster.json").exists():
            print("testcluster: no cluster state; run `scripts/testcluster up`", file=sys.stderr)
            return 1
        sys.stdout.write(shell_env(Cluster.load(state_dir)))
        return 0
    st = status(state_dir)
    for name in _START_ORDER:
        print(f"{name:24} {'running' if st.get(name) else 'stopped'}")
    return 0 if is_running(state_dir) else 3


if __name__ == "__main__":
    sys.exit(main())
