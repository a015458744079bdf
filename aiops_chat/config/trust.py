"""Which working-directory config files the user has trusted, by absolute path and SHA-256 of the content.

As direnv does with `.envrc`: a file someone else wrote (a cloned repository's `./aiops.toml`) is not
used until the user says so with `aiops config trust`, and editing it makes it untrusted again. The list
lives in the user's own config directory, `$XDG_CONFIG_HOME/aiops/trusted.json`, which no repository
writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from aiops_chat.errors import ConfigError

FORMAT_VERSION = 1


class TrustState(Enum):
    TRUSTED = "trusted"
    CHANGED = "changed since it was trusted"
    UNKNOWN = "not trusted"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class TrustStore:
    path: Path

    def _read(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read the trusted-files list: {exc.strerror}") from None
        try:
            data = json.loads(text)
            entries = data["files"]
            if data.get("version") != FORMAT_VERSION or not isinstance(entries, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in entries.items()):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise ConfigError(f"{self.path}: the trusted-files list is damaged; delete it and run "
                              "`aiops config trust` again in each directory you trust") from None
        return dict(entries)

    def state(self, file: Path, sha256: str) -> TrustState:
        known = self._read().get(str(file))
        if known is None:
            return TrustState.UNKNOWN
        return TrustState.TRUSTED if known == sha256 else TrustState.CHANGED

    def trust(self, file: Path, sha256: str) -> None:
        entries = self._read()
        entries[str(file)] = sha256
        self._write(entries)

    def untrust(self, file: Path) -> bool:
        entries = self._read()
        if entries.pop(str(file), None) is None:
            return False
        self._write(entries)
        return True

    def _write(self, entries: dict[str, str]) -> None:
        import tempfile  # only `aiops config trust` writes; keep it off every command's start-up

        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"version": FORMAT_VERSION, "files": dict(sorted(entries.items()))}, indent=2) + "\n"
        # Write aside and rename: a crash never leaves a half-written list (which would trust nothing).
        fd, tmp = tempfile.mkstemp(prefix=".trusted.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
