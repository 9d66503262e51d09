"""Files that hold children's data (a chronology, a report written with ``--out``): written
readable by their owner only, or by the team when the database is a team's (see
:func:`triage.store.folder_for_records`)."""

from __future__ import annotations

import os
from pathlib import Path


class PrivateFileError(ValueError):
    """A file that could not be written: one clear line."""


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    """A new or replaced file readable by its owner only (0600; 0660 for a team's folder,
    see :func:`triage.store.folder_for_records`): children's data."""
    path = path.expanduser()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    except OSError as exc:
        raise PrivateFileError(f"cannot write {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        os.fchmod(fh.fileno(), mode)  # an existing file keeps its mode otherwise
        fh.write(text)
