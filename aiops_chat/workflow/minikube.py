"""Reading minikube's answers: `status --output=json`, `image ls`, `profile list --output=json`, image names."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# minikube lists images fully qualified (docker.io/library/taskflow-backend:1.0.0); users write them short.
_DEFAULT_PREFIXES = ("docker.io/library/", "docker.io/", "index.docker.io/library/")


@dataclass(frozen=True)
class MinikubeStatus:
    host: str
    apiserver: str
    text: str

    @property
    def running(self) -> bool:
        return self.host == "Running" and self.apiserver == "Running"

    def describe(self) -> str:
        if self.running:
            return "Running"
        if self.host or self.apiserver:
            return f"host {self.host or '?'}, apiserver {self.apiserver or '?'}"
        first = next((ln.strip() for ln in self.text.splitlines() if ln.strip()), "")
        return first or "no minikube cluster"


def parse_status(stdout: str) -> MinikubeStatus:
    """minikube exits non-zero for a stopped or missing cluster but still prints its status; read that."""
    try:
        data = json.loads(stdout)
    except ValueError:
        data = None
    if isinstance(data, list):  # several nodes: the first is the control plane
        data = data[0] if data else None
    if isinstance(data, dict):
        return MinikubeStatus(str(data.get("Host", "")), str(data.get("APIServer", "")), stdout)
    host = re.search(r"(?im)^\s*host:\s*(\S+)", stdout)
    api = re.search(r"(?im)^\s*apiserver:\s*(\S+)", stdout)
    return MinikubeStatus(host.group(1) if host else "", api.group(1) if api else "", stdout)


def normalize_image(ref: str) -> str:
    ref = ref.strip()
    for prefix in _DEFAULT_PREFIXES:
        if ref.startswith(prefix):
            ref = ref[len(prefix):]
            break
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in last:
        ref += ":latest"
    return ref


def parse_image_list(stdout: str) -> frozenset[str]:
    return frozenset(normalize_image(ln) for ln in stdout.splitlines() if ln.strip())


def parse_profile_addons(stdout: str, profile: str = "minikube") -> dict[str, bool]:
    """addon name -> enabled, from the profile's config in `minikube profile list --output=json`.

    The profile's config is where `minikube addons enable` records an addon, so it is the same truth
    `minikube addons list` prints; the policy allows `profile list` as a read. Empty when unreadable.
    """
    try:
        data = json.loads(stdout)
    except ValueError:
        return {}
    valid = data.get("valid") if isinstance(data, dict) else None
    for entry in valid or []:
        if isinstance(entry, dict) and entry.get("Name") == profile:
            addons = (entry.get("Config") or {}).get("Addons") or {}
            return {str(name): value is True for name, value in addons.items()} if isinstance(addons, dict) else {}
    return {}
