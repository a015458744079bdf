"""minikube, for the local workflow commands: a short list of reads and writes, everything else refused.

Flags are an allowlist per command (minikube start alone has flags that mount host directories or
change the Docker daemon), so an unknown flag is refused like an unknown command. `delete --all/--purge`
would remove every profile and the local minikube state: a mass delete, refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiops_chat.policy.action import Action
from aiops_chat.policy.grammar import Command, FlagTable, parse, tree
from aiops_chat.policy.paths import resolve_inside
from aiops_chat.policy.refusal import Refusal
from aiops_chat.policy.types import PolicyContext, Risk

GLOBAL_FLAGS = FlagTable.parse("p|profile= h|help alsologtostderr logtostderr")

_READS = frozenset({"status", "ip", "version", "profile list", "service", "image ls"})
_WRITES = frozenset({"start", "stop", "addons enable", "image load"})


def _cmd(path: str, flags: str, *children: tuple[Sequence[str], Command]) -> Command:
    return Command(path, FlagTable.parse(flags), tree(*children))


ROOT = Command("", children=tree(
    (("status",), _cmd("status", "o|output= f|format= l|layout= n|node=")),
    (("ip",), _cmd("ip", "n|node=")),
    (("version",), _cmd("version", "o|output= short components")),
    (("profile",), _cmd("profile", "", (("list",), _cmd("profile list", "o|output= l|light")))),
    (("service",), _cmd("service", "url n|namespace= format= https interval= wait=")),
    (("image",), _cmd("image", "", (("ls", "list"), _cmd("image ls", "format=")),
                      (("load",), _cmd("image load", "daemon remote overwrite pull")))),
    (("start",), _cmd("start", "driver= cpus= memory= kubernetes-version= nodes= addons= container-runtime= "
                               "disk-size= cni= wait= wait-timeout= force delete-on-failure")),
    (("stop",), _cmd("stop", "keep-context-active")),
    (("addons",), _cmd("addons", "", (("enable",), _cmd("addons enable", "images= registries= refresh force")))),
    (("delete",), _cmd("delete", "all purge")),
))


def minikube_action(args: Sequence[str], ctx: PolicyContext) -> Action:
    if not args:
        raise Refusal("minikube was given no command")
    parsed = parse(args, ROOT, GLOBAL_FLAGS)
    verb = parsed.command.name
    known = verb in _READS or verb in _WRITES or verb == "delete"
    if not verb and not parsed.positionals and parsed.enabled("help"):
        return Action("minikube", "--help", Risk.READ, None, namespaced=False)
    if not known:
        word = verb or (parsed.positionals[0] if parsed.positionals else "")
        raise Refusal(f"minikube {word} is not one of the workflow commands the policy allows".replace("  ", " "),
                      verb=verb)
    if parsed.after_dashdash:
        raise Refusal("arguments after -- are not taken by minikube workflow commands; it is denied", verb=verb)
    if parsed.enabled("help"):
        return Action("minikube", f"{verb} --help", Risk.READ, None, namespaced=False)
    if verb == "service" and not parsed.enabled("url"):
        raise Refusal("minikube service without --url opens a browser; add --url", verb=verb)
    if verb == "delete":
        if parsed.enabled("all") or parsed.enabled("purge"):
            raise Refusal("minikube delete --all/--purge removes every profile and local state; mass deletes "
                          "are denied", verb=verb)
        return Action("minikube", verb, Risk.DESTRUCTIVE, None, namespaced=False)
    if verb == "image load":
        for image in parsed.positionals:
            # An image tarball on this machine (rather than an image reference) must be in the working directory.
            if image.startswith(("/", ".", "~")) or image.endswith((".tar", ".tar.gz", ".tgz")):
                resolve_inside(image, ctx.workdir, "the image archive")
    risk = Risk.READ if verb in _READS else Risk.WRITE
    return Action("minikube", verb, risk, None, namespaced=False)
