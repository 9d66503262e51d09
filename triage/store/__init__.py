"""The SQLite store: the connection, its transactions, and the reads every screen shares.

The store layer (this package) owns every SQL statement of the app: the schema and its
migrations are in :mod:`triage.store.schema`; the reads and writes of each area of the
work in a module of their own beside this one. Nothing outside ``triage/store/`` runs SQL.

One file on disk, opened in WAL mode so several officers (over SSH) can read while one
writes. Every write is one short ``BEGIN IMMEDIATE`` transaction that also writes its
audit event, so a crash or a dropped connection leaves either all of a change or none.
"""

from __future__ import annotations

import grp
import os
import pwd
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when first used: it is a fifth of the app's start-up time
    import sqlite_utils


from triage.codes import CLOSURE, NOT_YET_PROVIDED, PRESENT_MARKS
from triage.model import Contact, Mark, Pupil
from triage.store.schema import MIGRATIONS, PUPIL_FLAGS, SCHEMA_VERSION
from triage.store.sql import placeholders

BUSY_TIMEOUT_MS = 5_000
APP_DIR_NAME = "attendance-triage"
DB_FILE_NAME = "triage.db"


class StoreError(Exception):
    """A problem with the database file that an officer can act on (shown as one line)."""


DAMAGED = (
    "the database is damaged: stop using it, and restore the last good backup "
    "(triage check the backup first; ask IT for the server's own copies)"
)


class StoreBusy(StoreError):
    """Another writer (an officer, an import, a backup) held the write lock for longer than
    this write would wait. Nothing was written; the same write may simply be tried again."""


class NoDatabaseError(StoreError):
    """The database file does not exist, and what was asked only reads (nothing is
    created). The command line adds the next step (``triage demo``, ``triage import``)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no database at {path}")
        self.path = path


def current_officer() -> str:
    """An officer is the operating-system login of the process's real user id (the name
    used over SSH). Never from ``LOGNAME`` or ``USER``: any user can set those, and
    ``nobody`` with ``LOGNAME=root`` would then act, and be audited, as root."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # no passwd entry, e.g. in a bare container
        return f"uid{os.getuid()}"


def now_iso() -> str:
    """Timestamps are stored in UTC, ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def default_db_path() -> Path:
    """$TRIAGE_DB, else the per-user data directory ($XDG_DATA_HOME or ~/.local/share)."""
    env = os.environ.get("TRIAGE_DB")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR_NAME / DB_FILE_NAME


def _create_private_file(path: Path, group: str | None = None) -> None:
    """Create an empty database file readable and writable by its owner only (0600), or
    by its owner and one group (0660) for a team sharing the file over SSH.

    SQLite gives the -wal and -shm files the same permissions as the database file.
    """
    gid = None
    if group is not None:
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError as exc:
            raise StoreError(f"there is no group called {group!r} on this machine") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if gid is not None:
            os.fchown(fd, -1, gid)
            os.fchmod(fd, 0o660)
    finally:
        os.close(fd)


def folder_for_records(folder: Path, database: Path) -> int:
    """Make ``folder`` (if missing) for files that hold the database's children's data
    (letters, chronologies), and return the mode those files should have.

    They are shared as the database is: private to the owner (folder 0700, files 0600),
    unless the database is a team's (writable by its group, see :func:`open_store`'s
    ``group``): then the folder is 2770 with the database's group, so that files made in it
    take that group, and files are 0660, so every officer on the team can use the folder.
    An existing folder keeps its mode: it may be the officer's own choice.
    """
    shared = database.stat().st_mode & 0o020
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if shared:
            os.chown(folder, -1, database.stat().st_gid)
            os.chmod(folder, 0o2770)  # chmod: mkdir's mode is cut by the umask
    return 0o660 if shared else 0o600


def readable_by_others(path: Path) -> bool:
    """Whether anyone outside the owner and group can read the file: children's data."""
    try:
        return bool(path.stat().st_mode & 0o004)
    except OSError:
        return False


def _row_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def write_failure(path: Path, exc: sqlite3.Error) -> str:
    """What an officer is told when a write fails for a cause outside the app: one line,
    what happened and what to do. Nothing was saved (the transaction was rolled back)."""
    text = str(exc).lower()
    if "full" in text:
        cause = "the disk holding the database is full; free some space (ask IT), then"
    elif "readonly" in text or "read-only" in text:
        cause = f"{path} (or its folder) is read-only for you; ask a lead, then"
    elif "i/o" in text:
        cause = "the disk could not be written (an I/O error); check the server, then"
    elif "locked" in text or "busy" in text:
        cause = "the database is busy (another officer is writing);"
    else:
        cause = f"the database could not be written ({exc});"
    return f"Nothing was saved: {cause} try again."


class Store:
    """An open attendance database. Use :func:`open_store` to get one."""

    def __init__(self, path: Path, conn: sqlite3.Connection, officer: str) -> None:
        self.path = path
        self.conn = conn
        self._db: sqlite_utils.Database | None = None
        self.officer = officer
        # How long a transaction waits for another writer when it does not say: see
        # :meth:`patience`.
        self.default_patience_ms: int | None = None
        # Set when a check (or SQLite itself) has found the file damaged: every write is
        # then refused, so the damage is not built upon (see refuse_if_damaged).
        self.damaged: str | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils on this connection, for schema work and inserts (made on first use)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # --- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def user_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Bring the schema up to SCHEMA_VERSION, one step per transaction."""
        version = self.user_version
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was made by a newer Attendance Triage "
                f"(schema {version}, this one knows {SCHEMA_VERSION}); upgrade the app"
            )
        for step in range(version, SCHEMA_VERSION):
            with self.transaction():
                MIGRATIONS[step](self.db)
                self.conn.execute(f"PRAGMA user_version = {step + 1}")

    @contextmanager
    def patience(self, patience_ms: int) -> Iterator[None]:
        """Within this block, writes wait at most ``patience_ms`` for another writer, then
        raise :class:`StoreBusy`. The screens write with little patience on the interface
        thread and hand a busy write to a worker, so the keyboard never waits on a lock."""
        before = self.default_patience_ms
        self.default_patience_ms = patience_ms
        try:
            yield
        finally:
            self.default_patience_ms = before

    @contextmanager
    def transaction(self, patience_ms: int | None = None) -> Iterator[sqlite3.Connection]:
        """One short write transaction: ``BEGIN IMMEDIATE`` takes the write lock up front,
        so two officers never deadlock upgrading read locks.

        Waiting for another writer is done here rather than by SQLite's busy handler, which
        sleeps on a fixed back-off (up to 100 ms) and is never woken when the lock frees:
        with several officers writing, one could wait seconds while another wrote on. Short
        randomised polls hand the lock over within a millisecond or two and keep the wait
        fair. After ``patience_ms`` (BUSY_TIMEOUT_MS unless a courtesy write asks for less:
        a claim) the officer is told, and nothing is half-written."""
        if self.damaged:
            raise StoreError(self.damaged)
        if patience_ms is None:
            patience_ms = self.default_patience_ms
        patience = BUSY_TIMEOUT_MS if patience_ms is None else patience_ms
        deadline = time.monotonic() + patience / 1000
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    if time.monotonic() >= deadline:
                        raise StoreBusy(
                            "the database is busy (another officer is writing); "
                            "nothing was saved, please try again"
                        ) from exc
                    time.sleep(random.uniform(0.0005, 0.003))
        finally:
            # Other statements (and COMMIT's checkpoint) keep SQLite's own patience.
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite rolls back what it could not commit by itself
            if isinstance(exc, sqlite3.OperationalError):
                raise StoreError(write_failure(self.path, exc)) from exc
            if isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc):
                self.damaged = f"Nothing was saved: {DAMAGED} ({exc})"
                raise StoreError(self.damaged) from exc
            raise

    def refuse_if_damaged(self) -> None:
        """Raise StoreError (and refuse every later write) if SQLite's quick check finds
        the file damaged. It reads the whole file (about half a second for a year of a
        2,000-pupil school), so it runs before an import, the one large write, and once
        in a worker when the app starts, not before every key."""
        try:
            verdict = self.conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            verdict = str(exc)
        if verdict != "ok":
            self.damaged = f"Nothing was saved: {DAMAGED} ({verdict})"
            raise StoreError(self.damaged)

    def audit(
        self,
        action: str,
        entity: str | None = None,
        entity_id: object = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Write an audit event; returns its id. Call inside the transaction that makes the
        change."""
        import json  # here, not at the top: the app starts without writing anything

        cur = self.conn.execute(
            "INSERT INTO events (at, officer, action, entity, entity_id, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                now_iso(),
                self.officer,
                action,
                entity,
                None if entity_id is None else str(entity_id),
                json.dumps(detail, sort_keys=True, default=str) if detail else None,
            ),
        )
        assert cur.lastrowid is not None  # an INSERT always sets it
        return cur.lastrowid

    # --- settings --------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            before = self.setting(key)
            self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            self.audit("setting", "setting", key, {"before": before, "after": value})

    # --- reads -----------------------------------------------------------------------

    def pupils(self, ids: Iterable[int] | None = None) -> list[Pupil]:
        sql = f"SELECT *, {_REMOVED_ON} FROM pupils"
        params: tuple[Any, ...] = ()
        if ids is not None:
            id_list = list(ids)
            sql += f" WHERE id IN ({placeholders(id_list)})"
            params = tuple(id_list)
        cur = self.conn.execute(sql + " ORDER BY legal_surname, legal_forename, upn", params)
        names = [d[0] for d in cur.description]
        return [_pupil_from_row(dict(zip(names, row, strict=True))) for row in cur]

    def pupil_by_upn(self, upn: str) -> Pupil | None:
        cur = self.conn.execute(
            f"SELECT *, {_REMOVED_ON} FROM pupils WHERE upn = ?", (upn.strip().upper(),)
        )
        row = cur.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description]
        return _pupil_from_row(dict(zip(names, row, strict=True)))

    def contacts_by_pupil(self, pupil_ids: Iterable[int] | None = None) -> dict[int, list[Contact]]:
        """Each pupil's contacts, priority order (1 = call first)."""
        sql = (
            "SELECT pc.pupil_id, c.id, c.name, pc.relationship, pc.priority, c.phone, c.mobile,"
            " c.home_phone, c.work_phone, c.email, pc.parental_responsibility, c.address,"
            " c.postcode FROM pupil_contacts pc JOIN contacts c ON c.id = pc.contact_id"
        )
        params: tuple[Any, ...] = ()
        if pupil_ids is not None:
            id_list = list(pupil_ids)
            sql += f" WHERE pc.pupil_id IN ({placeholders(id_list)})"
            params = tuple(id_list)
        sql += " ORDER BY pc.pupil_id, pc.priority, c.name"
        result: dict[int, list[Contact]] = {}
        for row in self.conn.execute(sql, params):
            result.setdefault(row[0], []).append(
                Contact(
                    id=row[1],
                    name=row[2],
                    relationship=row[3],
                    priority=row[4],
                    phone=row[5],
                    mobile=row[6],
                    home_phone=row[7],
                    work_phone=row[8],
                    email=row[9],
                    parental_responsibility=bool(row[10]),
                    address=row[11],
                    postcode=row[12],
                )
            )
        return result

    def marks_by_pupil(
        self,
        pupil_ids: Sequence[int] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> dict[int, list[Mark]]:
        """Marks in date order, grouped by pupil, optionally for some pupils and a date range."""
        clauses: list[str] = []
        params: list[object] = []
        if pupil_ids is not None:
            clauses.append(f"pupil_id IN ({placeholders(pupil_ids)})")
            params.extend(pupil_ids)
        if start is not None:
            clauses.append("date >= ?")
            params.append(start.isoformat())
        if end is not None:
            clauses.append("date <= ?")
            params.append(end.isoformat())
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        result: dict[int, list[Mark]] = {}
        dates: dict[str, date] = {}  # a few hundred distinct dates among many marks
        for pid, d, session, code in self.conn.execute(
            f"SELECT pupil_id, date, session, code FROM marks{where}"
            " ORDER BY pupil_id, date, session",
            params,
        ):
            day = dates.get(d)
            if day is None:
                day = dates[d] = date.fromisoformat(d)
            result.setdefault(pid, []).append(Mark(pid, day, session, code))
        return result

    def queue_mark_counts(
        self,
        pupil_ids: Sequence[int],
        start: date,
        end: date,
        term: date,
        window_start: date | None,
        n_overdue_before: date | None,
    ) -> dict[int, tuple[int, list[tuple[str, bool, bool, bool, int]]]]:
        """What the queue's figures need from marks dated ``start``..``end``, counted by
        SQLite instead of read one by one: pupil id -> (marks dated in the term, the other
        marks as (code, dated in the term, dated in the rolling window, an ``N`` dated
        before ``n_overdue_before``, how many)), where "other" is every code but the
        present marks (:data:`triage.codes.PRESENT_MARKS`), a tenth of a register or less.
        The first count needs no look at the code, the second passes over few rows: two
        cheap queries where classifying every code in SQL costs three times as much."""
        ids = placeholders(pupil_ids)
        bounds = (
            term.isoformat(),
            window_start.isoformat() if window_start else "9999",  # no window: nothing in it
            n_overdue_before.isoformat() if n_overdue_before else "",  # nothing before ""
            start.isoformat(),
            end.isoformat(),
        )
        where = f"pupil_id IN ({ids}) AND date BETWEEN ? AND ?"
        result: dict[int, tuple[int, list[tuple[str, bool, bool, bool, int]]]] = {
            pid: (in_term, [])
            for pid, in_term in self.conn.execute(
                f"SELECT pupil_id, SUM(date >= ?) FROM marks WHERE {where} GROUP BY pupil_id",
                (bounds[0], *pupil_ids, *bounds[3:]),
            )
        }
        present = placeholders(PRESENT_MARKS)
        for pid, code, in_term, in_window, overdue, sessions in self.conn.execute(
            "SELECT pupil_id, code, date >= ?, date >= ?, code = ? AND date < ?, COUNT(*)"
            f" FROM marks WHERE {where} AND code NOT IN ({present}) GROUP BY 1, 2, 3, 4, 5",
            (*bounds[:2], NOT_YET_PROVIDED, bounds[2], *pupil_ids, *bounds[3:], *PRESENT_MARKS),
        ):
            result[pid][1].append((code, bool(in_term), bool(in_window), bool(overdue), sessions))
        return result

    def date_codes(self) -> list[tuple[date, str]]:
        """Distinct (date, code) pairs: the input of :func:`triage.rules.school_days`
        (read from the small ``date_codes`` table the importer keeps)."""
        return [
            (date.fromisoformat(d), c)
            for d, c in self.conn.execute("SELECT date, code FROM date_codes ORDER BY date")
        ]

    def school_days(self) -> list[date]:
        """:func:`triage.rules.school_days` of :meth:`date_codes` (the dates with a mark
        other than a closure ``#``), counted by SQLite: one row a day instead of one a day
        and code, a quarter of the time (a case opens on it)."""
        return [
            date.fromisoformat(d)
            for (d,) in self.conn.execute(
                "SELECT DISTINCT date FROM date_codes WHERE code != ? ORDER BY date", (CLOSURE,)
            )
        ]

    def mark_dates(self) -> list[date]:
        """Every date with a mark (from the small date_codes table the importer keeps)."""
        return [
            date.fromisoformat(d)
            for (d,) in self.conn.execute("SELECT DISTINCT date FROM date_codes ORDER BY date")
        ]

    def sessions_on(self, on: date) -> list[str]:
        # Marks are keyed by pupil first: naming the pupils lets SQLite seek each pupil's
        # date instead of reading every mark of the year.
        return [
            s
            for (s,) in self.conn.execute(
                "SELECT DISTINCT session FROM marks"
                " WHERE pupil_id IN (SELECT id FROM pupils) AND date = ? ORDER BY session",
                (on.isoformat(),),
            )
        ]

    def unexplained_pupil_ids(self, on: date, session: str) -> list[int]:
        """Pupils marked N (no reason yet) in a session: the morning queue's input."""
        return list(self.queued_marks(on, session))

    def queued_marks(
        self, on: date, session: str, pupil_ids: Sequence[int] | None = None
    ) -> dict[int, tuple[str, bool]]:
        """Pupil id -> (mark in force, amended in the app) for every pupil the MIS has
        marked N in this session: the morning queue, worked or not (only ``pupil_ids``'
        when given)."""
        some = "" if pupil_ids is None else f" AND pupil_id IN ({placeholders(pupil_ids)})"
        # A pupil deleted from the roll (on or before the day) is never queued again.
        return {
            pid: (code, bool(amended))
            for pid, code, amended in self.conn.execute(
                "SELECT pupil_id, code, amended FROM marks"
                f" WHERE date = ? AND session = ? AND queued = 1{some}"
                " AND NOT EXISTS (SELECT 1 FROM roll_deletions d WHERE d.pupil_id ="
                " marks.pupil_id AND d.undone_event_id IS NULL AND d.deleted_on <= marks.date)",
                (on.isoformat(), session, *(pupil_ids or ())),
            )
        }

    def data_version(self) -> int:
        """Changes when another connection commits: a cheap "has anything changed?" check."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def count(self, table: str) -> int:
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        return self.conn.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0]

    def events(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM events ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql))


# The day a pupil was deleted from the roll in the app (the earliest deletion not undone).
_REMOVED_ON = (
    "(SELECT MIN(d.deleted_on) FROM roll_deletions d WHERE d.pupil_id = pupils.id"
    " AND d.undone_event_id IS NULL) AS removed_on"
)


def _pupil_from_row(row: dict[str, Any]) -> Pupil:
    return Pupil(
        id=row["id"],
        upn=row["upn"],
        admission_number=row["admission_number"],
        legal_forename=row["legal_forename"],
        legal_surname=row["legal_surname"],
        preferred_forename=row["preferred_forename"],
        year_group=row["year_group"],
        reg_group=row["reg_group"],
        date_left=_row_date(row["date_left"]),
        stage=row["stage"],
        date_of_birth=_row_date(row["date_of_birth"]),
        address=row["address"],
        postcode=row["postcode"],
        removed_on=_row_date(row.get("removed_on")),
        **{flag: bool(row[flag]) for flag in PUPIL_FLAGS},
    )


# SQLite's application_id in the file's header ("ATRI"): marks a database as this app's, so
# that a command given another program's database (or an empty file) refuses it instead of
# adding its tables to it.
APPLICATION_ID = 0x41545249


def _keep_private(db_path: Path) -> None:
    """A database readable or writable by every user is made private (its owner and group)
    before it is opened; one that cannot be (another user's) is refused. SQLite gives the
    -wal and -shm files the database's own permissions, and they hold recent changes whole:
    a database open to others would leave its newest records open too."""
    try:
        st = db_path.stat()
    except OSError:
        return  # sqlite3 says what is wrong
    if not st.st_mode & 0o007:
        return
    try:
        os.chmod(db_path, st.st_mode & 0o770)
        for suffix in ("-wal", "-shm"):
            side = db_path.with_name(db_path.name + suffix)
            if side.exists():
                os.chmod(side, side.stat().st_mode & 0o770)
    except OSError as exc:
        raise StoreError(
            f"{db_path} can be read by every user on this machine and is not yours to make "
            f"private: ask its owner to run chmod o-rwx on it ({exc.strerror})"
        ) from exc


def _ours(conn: sqlite3.Connection) -> bool:
    """Whether an existing file is this app's database: marked so, or made by a version
    from before the mark (its tables are there)."""
    if conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
        return True
    if conn.execute("PRAGMA user_version").fetchone()[0] < 1:
        return False
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    return {"settings", "pupils", "marks"} <= tables


def _mark_as_ours(store: Store) -> None:
    """Write the mark (a new database, or one from before it); a reader who may not write
    leaves it for the next officer who can."""
    try:
        with store.transaction():
            store.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    except (sqlite3.OperationalError, StoreError):
        pass


def open_store(
    path: Path | str | None = None,
    *,
    create: bool = True,
    officer: str | None = None,
    group: str | None = None,
) -> Store:
    """Open (and create or upgrade) the database at ``path`` (default: :func:`default_db_path`).

    A new file is created 0600, or 0660 owned by ``group``. Raises :class:`StoreError`
    with a one-line message when the file cannot be used.
    """
    db_path = Path(path).expanduser() if path is not None else default_db_path()
    if db_path.exists() and db_path.is_dir():
        raise StoreError(f"{db_path} is a folder, not a database file")
    created = not db_path.exists()
    if created:
        if not create:
            raise NoDatabaseError(db_path)
        try:
            _create_private_file(db_path, group)
        except OSError as exc:
            raise StoreError(f"cannot create the database {db_path}: {exc.strerror}") from exc
    _keep_private(db_path)
    try:
        conn = sqlite3.connect(
            db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        if not created and not _ours(conn):
            conn.close()
            raise StoreError(
                f"{db_path} is not an Attendance Triage database (another program's file, or "
                "an empty one): nothing was changed. Give the database's own file with --db"
            )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(f"{db_path}: cannot switch to WAL mode (got {mode})")
        # FULL: a committed change survives a power cut too, not only a crash of the app.
        conn.execute("PRAGMA synchronous = FULL")
        store = Store(db_path, conn, officer or current_officer())
        store.migrate()
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            _mark_as_ours(store)
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            raise StoreError(
                f"{db_path} (or its folder) is read-only for you: the app needs to write beside "
                "the database even to read it (SQLite's -wal and -shm files); ask a lead. "
                "Nothing was changed"
            ) from exc
        raise StoreError(f"{db_path} cannot be opened: {write_failure(db_path, exc)}") from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{db_path} is not a usable Attendance Triage database: {exc}") from exc
    return store
