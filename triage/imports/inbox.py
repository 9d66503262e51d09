"""The inbox: a folder the MIS drops its exports into, imported without anyone typing.

A file is taken only once it has stopped growing (same size and modification time on two
looks), so a half-copied file on a network share is never read. It is then claimed with an
atomic rename into ``.processing/`` — of several officers' apps looking at one inbox, only
one can win that rename, so a file is never imported twice or moved by two apps at once.
Its kind (pupils, contacts or marks) is recognised from its headers, it is imported all or
nothing by the ordinary importer, and it ends in ``done/`` (timestamped) or in
``rejected/`` with a ``.txt`` beside it holding the same errors the command line prints.
The same content (by SHA-256) is never imported twice, even under a new name.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from triage import settings
from triage.imports.csvfile import ImportFileError, match_headers, read_csv
from triage.imports.importers import CONTACT_FIELDS, MARK_FIELDS, PUPIL_FIELDS, import_files
from triage.store import Store
from triage.store.imports import import_with_sha256

DONE, REJECTED, PROCESSING = "done", "rejected", ".processing"
CSV_SUFFIXES = (".csv", ".txt", ".tsv")

Snapshot = dict[str, tuple[int, int]]  # file name -> (size, mtime in ns)


@dataclass(frozen=True)
class InboxResult:
    file: str  # the name it arrived with
    outcome: str  # imported, duplicate, rejected
    kind: str | None = None
    message: str = ""
    moved_to: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)


def inbox_folder(store: Store) -> Path:
    """The inbox (setting, else ``inbox`` beside the database), made on first use."""
    configured = settings.get(store, "inbox")
    folder = Path(configured).expanduser() if configured else store.path.parent / "inbox"
    for sub in (folder, folder / DONE, folder / REJECTED, folder / PROCESSING):
        sub.mkdir(mode=0o770, parents=True, exist_ok=True)
    return folder


def look(folder: Path) -> Snapshot:
    """Size and modification time of every waiting file."""
    seen: Snapshot = {}
    for entry in os.scandir(folder):
        is_file = entry.is_file(follow_symlinks=False) or entry.is_symlink()
        if is_file and entry.name.lower().endswith(CSV_SUFFIXES):
            if entry.name.startswith("."):
                continue  # hidden, or a copy still being written by some tools
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # another officer's app took it between the listing and now
            seen[entry.name] = (st.st_size, st.st_mtime_ns)
    return seen


def stable(previous: Snapshot, current: Snapshot) -> list[str]:
    """Files that have not changed between two looks (and are not empty)."""
    return sorted(name for name, sig in current.items() if previous.get(name) == sig and sig[0] > 0)


def detect_kind(headers: list[str]) -> str | None:
    """pupils, contacts or marks, from the headers alone (the importers' synonyms)."""
    marks = match_headers(headers, MARK_FIELDS)
    if {"date", "session", "code"} <= set(marks):
        return "marks"
    contacts = match_headers(headers, CONTACT_FIELDS)
    contact_detail = {
        "relationship",
        "priority",
        "phone",
        "mobile",
        "home_phone",
        "email",
        "parental_responsibility",
    }
    has_contact = "contact_name" in contacts and contacts.keys() & contact_detail
    pupils = match_headers(headers, PUPIL_FIELDS)
    if has_contact and ("upn" in contacts or "admission_number" in contacts):
        return "contacts"
    if "upn" in pupils and (
        {"legal_surname", "legal_forename"} <= set(pupils) or "full_name" in pupils
    ):
        return "pupils"
    return None


IMPORT_ORDER = ("pupils", "contacts", "marks")  # contacts and marks name known pupils


def in_import_order(folder: Path, names: list[str]) -> list[str]:
    """The files of one look in the order they can be imported: the roster, then the
    contacts, then the marks, whatever they are called (an MIS drops them together, and
    ``contacts.csv`` sorts before ``pupils.csv``). A file whose kind cannot be told (or that
    cannot be read) goes last, where importing it says why."""

    def rank(name: str) -> int:
        if (folder / name).is_symlink():
            return len(IMPORT_ORDER)  # never read: processing refuses it
        try:
            kind = detect_kind(read_csv(folder / name).headers)
        except (ImportFileError, OSError):
            return len(IMPORT_ORDER)
        return IMPORT_ORDER.index(kind) if kind in IMPORT_ORDER else len(IMPORT_ORDER)

    return sorted(names, key=lambda name: (rank(name), name))


def _stamped(folder: Path, name: str, when: datetime) -> Path:
    target = folder / f"{when:%Y%m%d-%H%M%S}-{name}"
    n = 1
    while target.exists():
        target = folder / f"{when:%Y%m%d-%H%M%S}-{n}-{name}"
        n += 1
    return target


def process(
    store: Store, folder: Path, name: str, now: datetime | None = None
) -> InboxResult | None:
    """Claim, recognise, import and file away one waiting file. None when another app
    claimed it first."""
    now = now or datetime.now()
    mine = folder / PROCESSING / str(os.getpid())
    mine.mkdir(mode=0o770, exist_ok=True)
    claimed = mine / name  # same name, so reports and the imports table name the real file
    try:
        os.rename(folder / name, claimed)  # atomic: exactly one app wins
    except FileNotFoundError:
        return None
    if claimed.is_symlink():  # it could point anywhere (/etc/passwd): never followed
        return _reject(
            store,
            folder,
            claimed,
            name,
            f"{name} is a link, not a file: copy the file itself into the inbox",
            now,
        )
    digest = hashlib.sha256(claimed.read_bytes()).hexdigest()
    known = import_with_sha256(store, digest)
    if known is not None:
        target = _stamped(folder / DONE, name, now)
        os.rename(claimed, target)
        message = f"{name} was already imported (as {known.file_name} at {known.imported_at[:16]})"
        with store.transaction():
            store.audit("inbox-duplicate", "file", name, {"sha256": digest, "message": message})
        return InboxResult(name, "duplicate", message=message, moved_to=target)
    try:
        kind = detect_kind(read_csv(claimed).headers)
        if kind is None:
            raise ImportFileError(
                name,
                [
                    (
                        1,
                        "cannot tell whether this is a pupils, contacts or marks file "
                        "from its headers",
                    )
                ],
            )
        report = import_files(store, kind, [claimed])
    except ImportFileError as exc:
        return _reject(store, folder, claimed, name, exc.message, now)
    target = _stamped(folder / DONE, name, now)
    os.rename(claimed, target)
    counts = dict(report.counts)
    return InboxResult(name, "imported", kind, "; ".join(report.lines()[1:]), target, counts)


def _reject(
    store: Store, folder: Path, claimed: Path, name: str, message: str, now: datetime
) -> InboxResult:
    target = _stamped(folder / REJECTED, name, now)
    os.rename(claimed, target)
    target.with_name(target.name + ".txt").write_text(message + "\n", encoding="utf-8")
    with store.transaction():
        store.audit("inbox-rejected", "file", name, {"message": message})
    return InboxResult(name, "rejected", message=message, moved_to=target)


def check(
    store: Store, previous: Snapshot | None, now: datetime | None = None
) -> tuple[list[InboxResult], Snapshot]:
    """One look at the inbox: process every file that was the same at the previous look.
    Returns the results and this look, to pass back next time."""
    folder = inbox_folder(store)
    recover(folder)
    current = look(folder)
    results = []
    for name in in_import_order(folder, stable(previous or {}, current)):
        result = process(store, folder, name, now)
        if result is not None:
            results.append(result)
    try:
        (folder / PROCESSING / str(os.getpid())).rmdir()  # this app's claims: all filed away
    except OSError:
        pass  # none made, or another check of this app still working
    return results, {k: v for k, v in current.items() if (folder / k).exists()}


def recover(folder: Path) -> list[str]:
    """Put back files claimed by an app that died mid-import (its process is gone): the
    import was all or nothing, so the file is simply waiting again."""
    returned = []
    for claim_dir in (folder / PROCESSING).iterdir():
        if not claim_dir.is_dir() or not claim_dir.name.isdigit():
            continue
        if _alive(int(claim_dir.name)):
            continue
        for file in claim_dir.iterdir():
            if not (folder / file.name).exists():
                os.rename(file, folder / file.name)
                returned.append(file.name)
        try:
            claim_dir.rmdir()
        except OSError:
            pass
    return returned


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another officer's process: alive
    return True


def listing(store: Store, on: datetime | None = None) -> dict[str, list[tuple[str, str]]]:
    """What the import screen shows: waiting files, and today's done and rejected files
    (with the first error line of each rejection)."""
    folder = inbox_folder(store)
    today = (on or datetime.now()).strftime("%Y%m%d")
    waiting = [(n, "") for n in sorted(look(folder))]
    done = [(p.name, "") for p in sorted((folder / DONE).iterdir()) if p.name.startswith(today)]
    rejected = []
    for p in sorted((folder / REJECTED).iterdir()):
        if p.name.startswith(today) and not p.name.endswith(".txt"):
            report = p.with_name(p.name + ".txt")
            lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []
            rejected.append((p.name, lines[1].strip() if len(lines) > 1 else ""))
    return {"waiting": waiting, "done": done, "rejected": rejected}
