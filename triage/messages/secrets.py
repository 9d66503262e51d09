"""Reading a password or API key from where the settings say it is (``file:`` or ``env:``).

The secret is never stored in the database, never printed, never written to the audit
trail, and never part of an error message: errors name the source, not what it holds.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class SecretError(ValueError):
    """A password or key that cannot be read safely (one clear line, without the secret)."""


def read_secret(source: str, what: str) -> str:
    """The secret at ``source`` (``file:/path`` or ``env:NAME``). A file must belong to this
    login and be readable by it alone (mode 600 or 400): a password that others can read
    is refused, not used."""
    kind, _, where = source.partition(":")
    if kind == "env" and where:
        value = os.environ.get(where, "")
        if not value.strip():
            raise SecretError(f"{what}: the environment variable {where} is not set")
        return value.strip()
    if kind == "file" and where:
        return _read_private_file(Path(where), what)
    raise SecretError(f"{what}: no source is set (file:/path or env:NAME)")


def _read_private_file(path: Path, what: str) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise SecretError(f"{what}: cannot read {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "r", encoding="utf-8") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SecretError(f"{what}: {path} is not a file")
        if info.st_uid != os.getuid():
            raise SecretError(f"{what}: {path} belongs to another login; it must be yours")
        if info.st_mode & 0o077:
            raise SecretError(
                f"{what}: {path} can be read by others (mode {stat.S_IMODE(info.st_mode):o});"
                f" refused: chmod 600 {path}"
            )
        try:
            value = fh.read().strip()
        except UnicodeDecodeError as exc:
            raise SecretError(f"{what}: {path} is not text") from exc
    if not value:
        raise SecretError(f"{what}: {path} is empty")
    return value
