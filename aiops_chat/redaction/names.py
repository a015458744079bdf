"""Which names (env vars, map keys, XML tags, flags, query parameters) hold a credential.

A name is cut into words (snake_case, kebab-case, dotted and camelCase alike) and judged by its words, not
by a substring: `author`, `bypass`, `tokenizer` and `max_tokens` are not secret names, `PGPASSWORD`,
`client_secret`, `keyStorePassword` and `X-Api-Key` are. A name whose last word describes the secret rather
than holding it (`secretName`, `token_ttl`, `password_min_length`, `--password-stdin`) is left readable.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_NAME = 128  # longer "names" are not names; judging them would only cost time

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Every secret name contains one of these; most names contain none, and are let go without being split.
_CANDIDATE = re.compile(r"pass|pwd|secret|token|credential|auth|cookie|dsn|key|sas")

# A word that is a credential on its own: `password`, `DB_PASS`, `auth`, `Cookie`.
_SECRET_WORDS = frozenset({
    "password", "passwd", "passphrase", "pass", "pwd", "secret", "token", "credential", "credentials", "auth",
    "cookie", "dsn", "apikey", "accesskey", "secretkey", "privatekey", "htpasswd", "sas",
})
# Glued words ending like a credential: PGPASSWORD, authtoken, clientsecret, xapikey.
_SECRET_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "secretkey",
                   "privatekey", "authkey", "masterkey", "signingkey")
# `<word> key` pairs that are credentials (api key, AccountKey, APP_KEY); `key` alone is not.
_KEY_QUALIFIERS = frozenset({
    "api", "access", "private", "secret", "master", "signing", "encryption", "encrypt", "client", "account",
    "shared", "ssh", "license", "hmac", "session", "auth", "app", "tls", "storage", "sas", "webhook", "deploy",
})
# Last words that describe the secret (where it is, how long it lives, how it is used), not hold it.
_DESCRIPTORS = frozenset({
    "name", "names", "ref", "refs", "path", "paths", "file", "files", "dir", "seconds", "type", "types", "mode",
    "version", "count", "used", "length", "len", "size", "limit", "min", "max", "ttl", "expiry", "expires",
    "expiration", "expire", "at", "in", "url", "uri", "endpoint", "header", "prefix", "suffix", "format",
    "method", "provider", "enabled", "required", "policy", "stdin", "env", "field", "label", "rotation",
    "store", "backend", "kind", "class", "audience", "scope", "scopes", "issuer", "duration", "period",
    "interval", "timeout", "retries", "strategy", "source", "selector", "annotation", "namespace", "id",
    "ids",
})
# First words that make the name a switch or a reference: existingSecret, createSecret, no-password.
_LEADING_DESCRIPTORS = frozenset({"existing", "use", "create", "from", "enable", "enabled", "disable", "no",
                                  "skip", "allow", "require", "show", "mount", "generate", "rotate", "automount",
                                  "checksum", "hash", "sha", "sha1", "sha256", "md5", "digest"})
# Whole names that look secret but are not: the shell's working directory.
_NOT_SECRET = frozenset({"PWD", "OLDPWD"})
# Whole names that are credentials although their words say otherwise (kubeconfig).
_ALWAYS_SECRET = frozenset({"client-key-data", "client-certificate-data", "certificate-authority-data",
                            "private_key_id", "secret_id", "secretid"})
# Collections whose every leaf is a credential (helm values' `secrets:`, `credentials:`).
SECRET_COLLECTIONS = frozenset({"secrets", "credentials", "passwords", "tokens", "secretenv", "secret_env"})
# Query-string parameters that are credentials only in a URL: ?sig= (Azure SAS), ?key= (Google), signatures.
_QUERY_ONLY = frozenset({"sig", "signature", "key", "x-amz-signature", "x-goog-signature", "x-goog-credential",
                         "code_verifier"})


def words(name: str) -> list[str]:
    """The lower-cased words of a name; none for a "name" longer than any name (the splitter backtracks)."""
    return [w.lower() for w in _WORDS.findall(name)] if len(name) <= MAX_NAME else []


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True when a value stored under ``name`` is a credential."""
    if not name or len(name) > MAX_NAME or name in _NOT_SECRET:
        return False
    bare = name.strip("-_.$@\"'")
    if not _CANDIDATE.search(bare.lower()):
        return False
    if bare.lower() in _ALWAYS_SECRET:
        return True
    parts = words(bare)
    if not parts:
        return False
    if len(parts) > 1 and parts[0] in _LEADING_DESCRIPTORS:
        return False
    if len(parts) > 1 and parts[-1] in ("key", "keys"):
        # api_key, AccountKey, tls.key hold keys; passwordKey, existingSecretPasswordKey name one.
        return parts[-2] in _KEY_QUALIFIERS
    if len(parts) > 1 and parts[-1] in _DESCRIPTORS:
        return False
    for i, word in enumerate(parts):
        if word in _SECRET_WORDS or word.endswith(_SECRET_ENDINGS):
            return True
        if word in ("string", "str") and i > 0 and parts[i - 1] in ("connection", "conn"):
            return True
    return False


def is_secret_query_name(name: str) -> bool:
    """A URL query parameter holding a credential: any secret name, plus ?sig=, ?key=, X-Amz-Signature."""
    return name.lower() in _QUERY_ONLY or is_secret_name(name)


def is_reference_name(name: str) -> bool:
    """Keys under a secret collection that point at a secret rather than hold one (name, secretKeyRef)."""
    parts = words(name)
    return bool(parts) and parts[-1] in _DESCRIPTORS and parts[-1] != "key"
