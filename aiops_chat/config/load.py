"""Where the configuration comes from, and how far each source is trusted.

Files, in order (see the README's Configuration section):

1. ``--config PATH`` or else ``$AIOPS_CONFIG``: named by the user, trusted, the only file read.
2. Otherwise ``$XDG_CONFIG_HOME/aiops/config.toml`` (``~/.config/aiops/config.toml``): the user's own, trusted;
   then ``./aiops.toml`` in the current directory, only if the user trusted it (`aiops config trust`, by
   path and content hash), and even then only to tighten the policy (project.py).

Then the environment (``$AIOPS_BASE_URL``, ``$AIOPS_MODEL``) and the ``--model`` flag. The openai SDK's
``$OPENAI_API_KEY`` and ``$OPENAI_BASE_URL`` fill in what no file sets. This is the only module that reads the
process environment; everything else receives what it needs from :class:`Config`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiops_chat.config.model import Config, Runtime
from aiops_chat.config.parse import Layer, build_config, check_value, parse_layer
from aiops_chat.config.project import apply_project
from aiops_chat.config.trust import TrustState, TrustStore, digest
from aiops_chat.errors import ConfigError

PROJECT_FILE = "aiops.toml"
# Variables that set one key each, over every file (as a flag would, for one shell).
ENV_KEYS = (("AIOPS_BASE_URL", "llm.base_url"), ("AIOPS_MODEL", "llm.model"))

# The openai SDK's Azure client falls back to these when it is given no key.
AZURE_CREDENTIAL_VARS = ("AZURE_OPENAI_AD_TOKEN", "AZURE_OPENAI_API_KEY")

TOOL_ENV_NAMES = (
    "KUBECACHEDIR", "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME", "MINIKUBE_HOME", "DOCKER_HOST",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "TMPDIR",
)


@dataclass(frozen=True)
class ConfigRequest:
    """What the command line asks of the configuration: the file to read and per-call overrides."""

    path: str | None = None
    model: str | None = None


def runtime_from_environ(environ: Mapping[str, str] | None = None, *, is_tty: bool = False) -> Runtime:
    env = os.environ if environ is None else environ
    home = env.get("HOME", str(Path.home()))
    state = _absolute_dir(env.get("XDG_STATE_HOME")) or str(Path(home) / ".local" / "state")
    cache = _absolute_dir(env.get("XDG_CACHE_HOME")) or str(Path(home) / ".cache")
    return Runtime(
        path=trusted_search_path(env.get("PATH", "/usr/local/bin:/usr/bin:/bin")),
        home=home,
        user=env.get("USER") or env.get("LOGNAME") or "unknown",
        kubeconfig_env=env.get("KUBECONFIG", ""),
        openai_api_key=env.get("OPENAI_API_KEY", ""),
        openai_base_url=env.get("OPENAI_BASE_URL", ""),
        state_dir=str(Path(state) / "aiops"),
        cache_dir=str(Path(cache) / "aiops"),
        lang=env.get("LANG", "C.UTF-8"),
        is_tty=is_tty,
        tool_env=tuple((name, env[name]) for name in TOOL_ENV_NAMES if env.get(name)),
        azure_credential_vars=tuple(name for name in AZURE_CREDENTIAL_VARS if env.get(name)),
    )


def trusted_search_path(path: str) -> str:
    """PATH without its empty and relative entries: those mean the current directory, where a cloned
    repository's own `kubectl` would otherwise be found before the real one."""
    return os.pathsep.join(entry for entry in path.split(os.pathsep) if entry and os.path.isabs(entry))


def _absolute_dir(value: str | None) -> str | None:
    # The XDG spec says relative values are invalid and to be ignored; here they would also point into the
    # current directory, where a repository could ship its own trusted-files list.
    return value if value and os.path.isabs(value) else None


def user_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    xdg = _absolute_dir(env.get("XDG_CONFIG_HOME")) or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    return Path(xdg) / "aiops"


def user_config_file(environ: Mapping[str, str] | None = None) -> Path:
    return user_config_dir(environ) / "config.toml"


def trust_store(environ: Mapping[str, str] | None = None) -> TrustStore:
    return TrustStore(user_config_dir(environ) / "trusted.json")


@dataclass(frozen=True)
class ProjectFile:
    """A working-directory config file as read once: its bytes are the ones hashed and the ones parsed."""

    path: Path  # absolute, symlinks resolved: the key in the trusted-files list
    data: bytes
    sha256: str

    @classmethod
    def read(cls, path: Path) -> ProjectFile:
        resolved = path.expanduser().resolve()
        try:
            data = resolved.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{resolved}: cannot read: {exc.strerror}") from None
        return cls(resolved, data, digest(data))

    def layer(self) -> Layer:
        return parse_layer(_decode(self.data, str(self.path)), source=str(self.path), project=True)


def load_config(
    explicit: str | ConfigRequest | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    is_tty: bool | None = None,
    notify: Callable[[str], None] | None = None,
) -> Config:
    """Build the Config: defaults, the files the search order finds and trusts, the environment, the flags.

    A working-directory file that is not trusted is skipped with one notice (to stderr unless ``notify``
    is given) saying how to trust it.
    """
    env = os.environ if environ is None else environ
    request = explicit if isinstance(explicit, ConfigRequest) else ConfigRequest(path=explicit)
    tty = is_tty if is_tty is not None else _stdin_is_tty()
    layers = _file_layers(request.path, env, notify or _note) + _env_layers(env)
    if request.model:
        layers.append(Layer("--model", {"llm.model": request.model}, file=False))
    return merge_layers(layers, runtime=runtime_from_environ(env, is_tty=tty), user_file=str(user_config_file(env)))


def check_project_file(project: ProjectFile, environ: Mapping[str, str] | None = None) -> Layer:
    """Raise ConfigError if the file would be refused once trusted (as `load_config` would use it)."""
    env = os.environ if environ is None else environ
    user = user_config_file(env)
    layers = [_file_layer(user, "your config")] if user.is_file() else []
    layer = project.layer()
    merge_layers([*layers, layer, *_env_layers(env)], runtime=runtime_from_environ(env), user_file=str(user))
    return layer


def _env_layers(env: Mapping[str, str]) -> list[Layer]:
    return [Layer(f"${name}", {key: check_value(key, env[name], str, source=f"${name}")}, file=False)
            for name, key in ENV_KEYS if env.get(name)]


def merge_layers(layers: list[Layer], *, runtime: Runtime, user_file: str) -> Config:
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    files = []
    project: str | None = None
    for layer in layers:
        if layer.project:
            apply_project(layer, values, origins, user_file=user_file)
            project = layer.source
        else:
            values.update(layer.values)
            origins.update(dict.fromkeys(layer.values, layer.source))
        if layer.file:
            files.append(layer.source)
    cfg = build_config(values, origins, runtime=runtime, files=files)
    if project is not None:
        _check_key_destination(cfg, project, user_file)
    return cfg


def _file_layers(path: str | None, env: Mapping[str, str], notify: Callable[[str], None]) -> list[Layer]:
    if path:
        return [_file_layer(Path(path).expanduser(), "given with --config")]
    if env.get("AIOPS_CONFIG"):
        return [_file_layer(Path(env["AIOPS_CONFIG"]).expanduser(), "named by $AIOPS_CONFIG")]
    layers = []
    user = user_config_file(env)
    if user.is_file():
        layers.append(_file_layer(user, "your config"))
    local = Path(PROJECT_FILE)
    if local.is_file() and local.resolve() != user.resolve():
        project = ProjectFile.read(local)
        state = trust_store(env).state(project.path, project.sha256)
        if state is TrustState.TRUSTED:
            layers.append(project.layer())
        else:
            again = " again" if state is TrustState.CHANGED else ""
            notify(f"ignoring {project.path}: {state.value} (a working-directory file can come with a cloned "
                   f"repository). Review it, then run `aiops config trust`{again} to use it.")
    return layers


def _file_layer(path: Path, how: str) -> Layer:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found ({how})")
    return parse_layer(_decode(path.read_bytes(), str(path)), source=str(path))


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _check_key_destination(cfg: Config, project: str, user_file: str) -> None:
    """An API key is never sent to an endpoint chosen by a less trusted source than the key."""
    if cfg.origin("llm.base_url") != project:
        return
    key_from = cfg.origin("llm.api_key")
    if key_from == "default" and cfg.llm.provider == "azure" and cfg.runtime.azure_credential_vars:
        key_from = f"${cfg.runtime.azure_credential_vars[0]} (read by the Azure SDK when no key is set)"
    if key_from in ("default", project):
        return
    raise ConfigError(
        f"{project}: key 'llm.base_url' = {cfg.llm.base_url!r} comes from a working-directory file, but the API "
        f"key comes from {key_from}: aiops does not send your key to an endpoint the current directory chose. "
        f"Set llm.api_key in {project} too (any value, for a local model), or set the endpoint in {user_file} "
        "or $AIOPS_BASE_URL, or name the file with --config if you trust it with your key.")


def _note(text: str) -> None:
    print(f"aiops: note: {text}", file=sys.stderr)


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
