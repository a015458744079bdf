"""The cluster gateway: the only module that imports the `kubernetes` SDK.

It reads raw JSON over the SDK's authenticated HTTP client and never deserialises into SDK models: those
cost more than the request itself at 10,000 pods, and analysis wants plain dicts anyway. The SDK is
imported lazily, in the constructor, so nothing pays for it until a live cluster is actually asked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiops_chat.errors import ClusterError

if TYPE_CHECKING:
    from aiops_chat.cluster_problems import Where
    from aiops_chat.config import Config

# Asks the API server for metadata only (no spec, no data): used for Secrets, so no payload ever leaves it.
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"


class ListFailed(Exception):
    """One LIST the server refused (403) or does not serve (404); the caller skips that kind."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Resource:
    """Where a kind lives on the API server."""

    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool = True

    def path(self, namespace: str | None) -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


class KubeGateway:
    """Authenticated raw GETs against the cluster named by the config's kubeconfig and context."""

    def __init__(self, cfg: Config, *, context: str | None = None) -> None:
        from kubernetes import client, config  # the one place the SDK is imported

        from aiops_chat.cluster_problems import check_kubeconfig

        ctx = context or cfg.kube.context or None
        # The kubeconfig's own problems (no file, unknown context, a context naming a missing cluster or user)
        # are named before the SDK's "Invalid kube-config file" can say it less clearly.
        self.where, problem = check_kubeconfig(cfg.kubeconfig, cfg.runtime.home, ctx)
        if problem is not None:
            raise problem.error()
        configuration = client.Configuration()
        try:
            config.load_kube_config(config_file=cfg.kubeconfig or None, context=ctx,
                                    client_configuration=configuration, persist_config=False)
        except config.ConfigException as exc:
            raise ClusterError(f"cannot load kubeconfig {self.where.file_text}{self.where.context_text}: {exc}",
                               hint="check --context and `kubectl config get-contexts`", title="kubeconfig") from None
        except OSError as exc:
            raise ClusterError(f"cannot read kubeconfig {self.where.file_text}: {exc}", title="kubeconfig") from None
        # One retry at most: an unreachable server should be reported in seconds, not after urllib3's backoff.
        configuration.retries = 1
        configuration.connection_pool_maxsize = 16
        self.server: str = configuration.host
        self.context = ctx or self.where.context
        if not configuration.verify_ssl:
            _tls_off(self.server, self.where)
        self._timeout = (min(5.0, cfg.kube.request_timeout), cfg.kube.request_timeout)
        self._api = client.ApiClient(configuration)

    def get_json(self, path: str, query: Mapping[str, str] | None = None, *, accept: str = "application/json") -> Any:
        """GET a path and return the parsed JSON body; raises ListFailed (403/404) or ClusterError."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        # param_serialize/call_api are the generated client's (openapi-generator 7) raw-request calls:
        # pyproject pins the kubernetes range that has them.
        method, url, headers, body, post = self._api.param_serialize(
            "GET", path, query_params=list((query or {}).items()), header_params={"Accept": accept},
            auth_settings=["BearerToken"])
        try:
            resp = self._api.call_api(method, url, header_params=headers, body=body, post_params=post,
                                      _request_timeout=self._timeout)
            data = resp.read()
        except (urllib3.exceptions.HTTPError, OSError, ApiException) as exc:  # ApiException: TLS failures
            raise self._unreachable(exc) from None
        if resp.status == 401:  # the credentials, not this one request: nothing else will work either
            raise self._diagnosis(f"HTTP 401 Unauthorized: {_status_message(data)}")
        if resp.status in (403, 404, 405):
            raise ListFailed(resp.status, _status_message(data))
        if resp.status >= 400:
            raise ClusterError(f"{self.server}{path}: HTTP {resp.status}: {_status_message(data)}")
        try:
            return json.loads(data)
        except ValueError as exc:
            raise ClusterError(f"{self.server}{path}: the server sent invalid JSON: {exc}") from None

    def _unreachable(self, exc: BaseException) -> ClusterError:
        return self._diagnosis(_short(exc))

    def _diagnosis(self, text: str) -> ClusterError:
        from dataclasses import replace

        from aiops_chat.cluster_problems import Problem, classify, explain

        at = replace(self.where, server=self.server, context=self.context)
        found = classify(text, at)
        if found is None or found.problem.is_kubeconfig:  # the kubeconfig was checked: this is the transport
            found = explain(Problem.UNREACHABLE, text, at)
        return found.error()

    def api_groups(self) -> dict[str, list[str]]:
        """Served API groups and their versions, preferred first ({"": ["v1"]} for the core group)."""
        groups: dict[str, list[str]] = {"": ["v1"]}
        try:
            data = self.get_json("/apis")
        except ListFailed as exc:  # a 403 on discovery: this user may not even list the API groups
            raise self._diagnosis(f"API discovery refused: {exc.status} forbidden: {exc.reason}") from None
        for g in data.get("groups") or ():
            versions = [str(v.get("version")) for v in g.get("versions") or ()]
            preferred = (g.get("preferredVersion") or {}).get("version")
            if preferred in versions:
                versions.remove(preferred)
                versions.insert(0, preferred)
            groups[str(g.get("name"))] = versions
        return groups

    def list_items(self, res: Resource, *, namespace: str | None, label_selector: str | None = None,
                   metadata_only: bool = False) -> list[dict[str, Any]]:
        """All objects of one kind (following `continue` pages), each stamped with its kind and apiVersion."""
        query: dict[str, str] = {"limit": "5000"}
        if label_selector:
            query["labelSelector"] = label_selector
        items: list[dict[str, Any]] = []
        api_version = f"{res.group}/{res.version}" if res.group else res.version
        while True:
            page = self.get_json(res.path(namespace), query, accept=METADATA_ONLY if metadata_only else "application/json")
            for item in page.get("items") or ():
                # LIST responses leave kind and apiVersion off their items.
                item["kind"] = res.kind
                item.setdefault("apiVersion", api_version)
                items.append(item)
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items
            query["continue"] = token

    def close(self) -> None:
        self._api.close()


_TLS_OFF_SAID: set[str] = set()


def _tls_off(server: str, where: Where) -> None:
    """insecure-skip-tls-verify: one line on stderr per server and process, instead of urllib3's warning on
    every request. The filter is process-wide but only for that warning, and only once a kubeconfig asked
    for no verification; the user hears that verification is off either way."""
    import sys
    import warnings

    import urllib3

    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    if server not in _TLS_OFF_SAID:
        _TLS_OFF_SAID.add(server)
        print(f"aiops: TLS verification is off for {server}{where.context_text} (insecure-skip-tls-verify in "
              f"{where.file_text}): the server's identity is not checked", file=sys.stderr)


def _status_message(data: bytes | str | None) -> str:
    try:
        return str(json.loads(data or b"{}").get("message") or "")
    except (ValueError, AttributeError):
        return (data or b"")[:200].decode("utf-8", "replace") if isinstance(data, bytes) else str(data)[:200]


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "reason", None) or exc)
    return text if len(text) < 300 else text[:297] + "..."
