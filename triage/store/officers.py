"""The SQL of the officers table (:mod:`triage.officers`): who may use a database."""

from __future__ import annotations

from typing import NamedTuple

from triage.store import Store


class Officer(NamedTuple):  # not a dataclass: see triage.model
    login: str
    role: str
    display_name: str | None
    added_at: str
    added_by: str


def all_officers(store: Store) -> list[Officer]:
    """Every officer, by login."""
    return [
        Officer(*row)
        for row in store.conn.execute(
            "SELECT login, role, display_name, added_at, added_by FROM officers ORDER BY login"
        )
    ]


def role_of(store: Store, login: str) -> str | None:
    """The login's role, None when it is not an officer."""
    row = store.conn.execute("SELECT role FROM officers WHERE login = ?", (login,)).fetchone()
    return None if row is None else row[0]


def role_and_name_of(store: Store, login: str) -> tuple[str, str | None] | None:
    """(role, display name) of an officer, None when the login is not one."""
    row = store.conn.execute(
        "SELECT role, display_name FROM officers WHERE login = ?", (login,)
    ).fetchone()
    return None if row is None else (row[0], row[1])


# Before any officer is recorded (single-user mode) there is no officer row to keep a name
# in: it is kept as a setting of this key and the login, not shown by `triage config`.
_SINGLE_USER_NAME = "officer_display_name:"


def display_name_of(store: Store, login: str) -> str | None:
    """The name this login gave (officer record first, else the single-user one), or None."""
    row = store.conn.execute(
        "SELECT display_name FROM officers WHERE login = ?", (login,)
    ).fetchone()
    if row is not None and row[0]:
        return str(row[0])
    return store.setting(_SINGLE_USER_NAME + login)


def save_display_name(store: Store, login: str, name: str) -> bool:
    """Record the name on the officer's row; False when the login has no row (nothing
    written). Call inside the caller's transaction."""
    cur = store.conn.execute("UPDATE officers SET display_name = ? WHERE login = ?", (name, login))
    return cur.rowcount > 0


def save_single_user_name(store: Store, login: str, name: str) -> None:
    """Keep the name of a login using a database with no officers recorded."""
    store.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (_SINGLE_USER_NAME + login, name),
    )


def any_officers(store: Store) -> bool:
    """Whether any officer is recorded (none: the database is in single-user mode)."""
    return store.conn.execute("SELECT 1 FROM officers LIMIT 1").fetchone() is not None


def count_with_role(store: Store, role: str) -> int:
    row = store.conn.execute("SELECT COUNT(*) FROM officers WHERE role = ?", (role,)).fetchone()
    return int(row[0])


def upsert_officer(
    store: Store, login: str, role: str, display_name: str | None, added_at: str
) -> None:
    """Add an officer (added by this store's officer), or change an existing one's role;
    a display name of None keeps the one recorded."""
    store.conn.execute(
        "INSERT INTO officers (login, role, display_name, added_at, added_by)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (login) DO UPDATE SET role = excluded.role,"
        " display_name = COALESCE(excluded.display_name, officers.display_name)",
        (login, role, display_name, added_at, store.officer),
    )


def delete_officer(store: Store, login: str) -> None:
    store.conn.execute("DELETE FROM officers WHERE login = ?", (login,))
