"""Secrets in a command's argv, masked before the argv is stored (the audit log) or shown.

`kubectl create secret generic x --from-literal=password=...`, `helm upgrade --set auth.password=...`,
`kubectl config set-credentials --token=...`, `docker login -p ...`, `kubectl exec db -- mysql -pX`: the
values are secrets although nothing in the value says so; the flag or the command around it does. Each
argument keeps its place (a mask never merges or drops one), so the stored argv still reads as the command.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiops_chat.redaction.names import SECRET_COLLECTIONS, is_secret_name
from aiops_chat.redaction.spans import MASK

# Programs after which a bare `-p` / `-a` carries a password.
_P_PROGRAMS = frozenset({"mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mariadb",
                         "mariadb-dump", "mongo", "mongosh", "mongodump", "mongorestore", "sshpass", "login"})
_A_PROGRAMS = frozenset({"redis-cli"})
# --set style flags: comma-separated path=value pairs (helm).
_SET_FLAGS = frozenset({"set", "set-string", "set-literal", "set-json"})
_USER_FLAGS = frozenset({"user", "proxy-user"})


def redact_argv(argv: Sequence[str], extra_patterns: Sequence[str] = ()) -> list[str]:
    """``argv`` with every secret value masked; the same number of arguments, in the same order."""
    from aiops_chat.redaction import redact  # the text rules; imported here to keep the package acyclic

    out = [str(a) for a in argv]
    programs = {a.rsplit("/", 1)[-1] for a in out}
    creating_secret = _creates_secret(out)
    i = 0
    while i < len(out):
        arg = out[i]
        nxt = i + 1 if i + 1 < len(out) and not out[i + 1].startswith("-") else None
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            if eq:
                out[i] = f"--{name}={_flag_value(name, value, creating_secret)}"
            elif i + 1 < len(out) and not out[i + 1].startswith("--") and _takes_secret_value(name):
                # `--password -x1`: a password may start with a dash; only another long flag ends the value.
                out[i + 1] = _flag_value(name, out[i + 1], creating_secret)
                i += 1
        elif arg.startswith("-") and len(arg) >= 2 and arg[1] in "pau" and not arg.startswith("--"):
            opt, attached = arg[1], arg[2:]
            live = (opt == "p" and programs & _P_PROGRAMS) or (opt == "a" and programs & _A_PROGRAMS)
            if opt == "u":
                if attached:
                    out[i] = "-u" + _user_password(attached)
                elif nxt is not None:
                    out[nxt] = _user_password(out[nxt])
                    i += 1
            elif live and attached:
                out[i] = f"-{opt}{MASK}"
            elif live and arg == f"-{opt}" and nxt is not None:
                out[nxt] = MASK
                i += 1
        i += 1
    return [a if a == MASK else redact(a, extra_patterns) for a in out]


def _creates_secret(argv: list[str]) -> bool:
    """`kubectl create secret ...`: every --from-literal value is secret whatever its key."""
    words = [a for a in argv if not a.startswith("-")]
    return any(words[k:k + 2] == ["create", "secret"] for k in range(len(words) - 1))


def _takes_secret_value(name: str) -> bool:
    return name in _SET_FLAGS or name in _USER_FLAGS or name == "from-literal" or is_secret_name(name)


def _flag_value(name: str, value: str, creating_secret: bool) -> str:
    if name == "from-literal":
        key, eq, literal = value.partition("=")
        return f"{key}={MASK}" if eq and literal and (creating_secret or is_secret_name(key)) else value
    if name in _SET_FLAGS:
        return ",".join(_set_pair(pair) for pair in value.split(","))
    if name in _USER_FLAGS:
        return _user_password(value)
    if is_secret_name(name) and value:
        return MASK
    return value


def _set_pair(pair: str) -> str:
    """`auth.password=x`, `secrets.db=x`, `users[0].token=x`: masked when any part of the path is secret."""
    path, eq, value = pair.partition("=")
    parts = [p.split("[", 1)[0] for p in path.split(".")]
    if eq and value and any(is_secret_name(p) or p.lower() in SECRET_COLLECTIONS for p in parts):
        return f"{path}={MASK}"
    return pair


def _user_password(value: str) -> str:
    """`user:password` (curl -u, --user): the password masked, unless it is a uid:gid pair."""
    user, colon, password = value.partition(":")
    if not colon or not password or password.isdigit():
        return value
    return f"{user}:{MASK}"
