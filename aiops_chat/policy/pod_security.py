"""Pod specs that reach the node: the same hole as `kubectl run --privileged`, by a manifest or a patch.

`kubectl run --privileged` and `--overrides` are refused because a pod spec can hand its containers the
node. A manifest given to apply/create/replace (files, directories, stdin) or a patch body can write the
same fields, so every object and patch body is checked here, and a hit is refused (FORBIDDEN), whoever
approves. The reference list is the Kubernetes Pod Security Standards *baseline* profile, the one meant
to "prevent known privilege escalations"; every control of it is refused:

- host namespaces (`hostNetwork`, `hostPID`, `hostIPC`), `privileged`, Windows `hostProcess`;
- `capabilities.add` beyond the baseline's list (the container runtime's defaults: CHOWN, KILL, ...);
  `ALL`, `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE` and every other name are refused, spelt in any case,
  with or without `CAP_`;
- `hostPath` volumes (and PersistentVolumes with `hostPath` or `local`, which a claim then mounts),
  a non-zero `hostPort`;
- `procMount` other than Default, seccomp or AppArmor `Unconfined` (fields and the older annotations),
  SELinux options other than the container types, sysctls outside the baseline's safe list;
- and, beyond the baseline, any `ephemeralContainers`: adding one to a running pod is `kubectl debug`,
  which is refused as a command.

Not refused, on purpose: `allowPrivilegeEscalation: true` and `runAsUser: 0` (the baseline allows both:
the first is what an unset field means, the second is most images' default; neither reaches the node
without one of the fields above). Those are the *restricted* profile's hardening, not escapes.

The check does not trust `kind`: it walks every mapping of every object (any letter case, since decoders
differ), so a Pod, a Deployment's template, a CronJob's jobTemplate, a PodTemplate, List items and custom
resources that embed a pod spec are all caught, whatever the nesting. CustomResourceDefinition schemas
(`openAPIV3Schema`) describe fields rather than set them and are skipped. A JSON patch `copy` or `move`
into a pod spec is refused too: its value comes from the live object, which the policy cannot see.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.policy.impact import json_patch_ops, pointer_segments
from aiops_chat.policy.refusal import Refusal
from aiops_chat.safe_text import visible

_MAX_NODES = 1_000_000
_MAX_SHOWN = 160
# The capabilities the baseline profile lets a container add (the container runtimes' default set).
BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
# Namespaced sysctls the baseline profile calls safe (kubelet's safe set).
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
})
_SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
_HOST_NAMESPACES = {"hostnetwork": "the node's network", "hostpid": "the node's processes",
                    "hostipc": "the node's IPC"}
_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
_SECCOMP_ANNOTATIONS = ("seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/")
_TRUE_WORDS = frozenset({"true", "yes", "on", "y", "1"})
_SKIPPED = frozenset({"openapiv3schema"})  # a CRD's schema describes fields; it sets none
# JSON pointer segments under which a copied or moved value can land in a pod spec (or its annotations).
_POD_SEGMENTS = frozenset({
    "spec", "template", "jobtemplate", "containers", "initcontainers", "ephemeralcontainers", "volumes",
    "ports", "securitycontext", "capabilities", "annotations", "hostpath", "local", *_HOST_NAMESPACES,
    "privileged", "hostprocess", "hostport", "procmount", "seccompprofile", "apparmorprofile",
    "selinuxoptions", "sysctls", "windowsoptions",
})


def check_object(obj: Mapping[Any, Any], where: str, *, skip: frozenset[str] = frozenset()) -> None:
    """Refuse ``obj`` (a whole object or a merge patch) if it gives a pod the node; ``where`` names it.

    ``skip``: top-level keys not to walk (a List's `items`, which the caller checks object by object)."""
    for field, why in node_access(obj, skip=skip):
        raise refusal(where, field, why)


def check_patch(body: Any, where: str) -> None:
    """A patch body: a merge or strategic merge patch (an object) or a JSON patch (a list of operations)."""
    if isinstance(body, Mapping):
        check_object(body, where)
        return
    if not isinstance(body, list):
        return
    for verb, path, merged in json_patch_ops(body):
        if merged is not None:
            check_object(merged, where)
        elif verb in ("copy", "move"):
            segments = [s.casefold() for s in pointer_segments(path)]
            if not segments or segments == [""] or any(s in _POD_SEGMENTS for s in segments):
                raise Refusal(f"{where}: its JSON patch {verb} to {_shown(path) or '/'} takes a value from the live "
                              "object, which the policy cannot see, and puts it where it can give a pod the "
                              "node; write the value with add or replace instead")


def refusal(where: str, field: str, why: str) -> Refusal:
    return Refusal(f"{where} sets {_shown(field)} ({_shown(why)}), which hands the node to a pod as kubectl run "
                   "--privileged does; it is never allowed")


def _shown(text: str) -> str:
    """Keys and values come from the manifest: controls spelt out, and no screenful of them."""
    text = visible(text)
    return text if len(text) <= _MAX_SHOWN else f"{text[:_MAX_SHOWN]}..."


def node_access(obj: Mapping[Any, Any], *, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """(field path, why) for every field of ``obj`` that reaches the node, walking without recursion."""
    # (path shown in the reason, the key lower-cased (a list item keeps its list's key), value)
    stack: list[tuple[str, str, Any]] = [(_join("", k), _key(k), v) for k, v in reversed(list(obj.items()))
                                         if _key(k) not in skip]
    seen = 0
    while stack:
        path, name, value = stack.pop()
        seen += 1
        if seen > _MAX_NODES:
            yield path, f"the object holds more than {_MAX_NODES} values, too many to check"
            return
        if name in _SKIPPED:
            continue
        yield from _judge(name, path, value)
        if isinstance(value, Mapping):
            stack.extend((_join(path, k), _key(k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", name, v) for i, v in reversed(list(enumerate(value))))


def _judge(name: str, path: str, value: Any) -> Iterator[tuple[str, str]]:
    """Why the field ``name`` (lower-cased) holding ``value`` reaches the node, if it does."""
    if name in _HOST_NAMESPACES and _true(value):
        yield path, f"shares {_HOST_NAMESPACES[name]} with the pod"
    elif name == "privileged" and _true(value):
        yield path, "a privileged container"
    elif name == "hostprocess" and _true(value):
        yield path, "a Windows HostProcess container runs on the node itself"
    elif name == "hostpath" and value is not None:
        yield path, "a hostPath volume mounts the node's filesystem"
    elif name == "local" and isinstance(value, Mapping) and _get(value, "path"):
        yield path, "a local volume mounts a path of the node's filesystem"
    elif name == "hostport" and _nonzero(value):
        yield path, f"binds port {value} on the node"
    elif name == "ephemeralcontainers" and isinstance(value, list) and value:
        yield path, "an ephemeral container runs a command inside a running pod, as kubectl debug does"
    elif name == "capabilities" and isinstance(value, Mapping):
        for added in _get(value, "add"):
            for cap in added if isinstance(added, list) else [added]:
                if _capability(cap) not in BASELINE_CAPABILITIES:
                    yield f"{path}.add", f"adds {cap}, a capability beyond the runtime's defaults"
    elif name == "procmount" and isinstance(value, str) and value.strip().lower() != "default":
        yield path, f"{value} unmasks /proc"
    elif name in ("seccompprofile", "apparmorprofile") and isinstance(value, Mapping):
        if any(isinstance(t, str) and t.strip().lower() == "unconfined" for t in _get(value, "type")):
            yield f"{path}.type", "Unconfined switches off the kernel's confinement of the container"
    elif name == "selinuxoptions" and isinstance(value, Mapping):
        yield from _selinux(path, value)
    elif name == "sysctls" and isinstance(value, list):
        for item in value:
            names = _get(item, "name") if isinstance(item, Mapping) else [item]
            for sysctl in names:
                if not isinstance(sysctl, str) or sysctl.replace("/", ".") not in SAFE_SYSCTLS:
                    yield path, f"the sysctl {sysctl} is not one the baseline profile calls safe"
    elif name == "annotations" and isinstance(value, Mapping):
        yield from _annotations(path, value)


def _selinux(path: str, options: Mapping[Any, Any]) -> Iterator[tuple[str, str]]:
    for kind in _get(options, "type"):
        if not isinstance(kind, str) or kind not in _SELINUX_TYPES:
            yield f"{path}.type", f"{kind} is not a container SELinux type"
    for field in ("user", "role"):
        if any(v not in (None, "") for v in _get(options, field)):
            yield f"{path}.{field}", "a custom SELinux user or role can leave the container's confinement"


def _annotations(path: str, annotations: Mapping[Any, Any]) -> Iterator[tuple[str, str]]:
    for key, value in annotations.items():
        if not isinstance(key, str):
            continue
        text = value.strip().lower() if isinstance(value, str) else ""
        lowered = key.casefold()
        if lowered.startswith(_APPARMOR_ANNOTATION) and not (text == "runtime/default"
                                                               or text.startswith("localhost/")):
            yield f"{path}.{key}", f"{value} switches off AppArmor"
        elif lowered.startswith(_SECCOMP_ANNOTATIONS) and text == "unconfined":
            yield f"{path}.{key}", f"{value} switches off seccomp"


def _capability(value: object) -> str:
    if not isinstance(value, str):
        return ""
    name = value.strip().upper()
    return name[4:] if name.startswith("CAP_") else name


def _true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE_WORDS)


def _nonzero(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    return not (isinstance(value, str) and value.strip() in ("", "0"))


def _get(obj: Mapping[Any, Any], name: str) -> list[Any]:
    """Values under ``name``, keys case folded as Go's case-insensitive JSON matching does ("ſ" is "s")."""
    return [v for k, v in obj.items() if isinstance(k, str) and k.casefold() == name]


def _key(key: Any) -> str:
    return key.casefold() if isinstance(key, str) else ""


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)
