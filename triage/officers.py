"""Who may use a database, and what each may do.

An officer is the operating-system login name (the name they log in over SSH with).
With no officers recorded the database is in single-user mode: whoever can open the file
may use it. Once there are officers, an unknown login is refused. Roles:

- ``lead``: everything, including managing officers (and, when cases land, Enforce actions);
- ``officer``: works the queue and cases;
- ``viewer``: sees everything, changes nothing.
"""

from __future__ import annotations

from typing import NamedTuple

from triage.sanitise import printable
from triage.store import Store, StoreError, now_iso
from triage.store.officers import (  # Officer: a row of the officers table
    Officer,
    all_officers,
    any_officers,
    count_with_role,
    delete_officer,
    role_and_name_of,
    role_of,
    upsert_officer,
)

ROLES = ("lead", "officer", "viewer")


class AccessDenied(StoreError):
    """This login may not do this here (shown as one line)."""


class Access(NamedTuple):  # not a dataclass: see triage.model
    login: str
    role: str  # in single-user mode: "lead"
    single_user: bool

    @property
    def can_write(self) -> bool:
        return self.role in ("lead", "officer")

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


def list_officers(store: Store) -> list[Officer]:
    return all_officers(store)


def access_of(store: Store) -> Access:
    """This login's access, or AccessDenied when officers are recorded and it is not one."""
    role = role_of(store, store.officer)
    if role is not None:
        return Access(store.officer, role, single_user=False)
    if not any_officers(store):
        return Access(store.officer, "lead", single_user=True)
    raise AccessDenied(
        f"{store.officer!r} is not an officer of this database; "
        "ask your attendance lead to run: triage officers add " + store.officer
    )


def require_writer(store: Store) -> Access:
    access = access_of(store)
    if not access.can_write:
        raise AccessDenied(f"{store.officer} is a viewer here and cannot change anything")
    return access


def require_lead(store: Store) -> Access:
    access = access_of(store)
    if not access.is_lead:
        raise AccessDenied(f"only a lead can do that; {store.officer} is {access.role}")
    return access


def add_officer(
    store: Store, login: str, role: str = "officer", display_name: str | None = None
) -> Officer:
    """Add (or change the role of) an officer. Only a lead may, except that the very first
    officer may be added by anyone who can open the file, and must be a lead — otherwise
    nobody could manage the list afterwards."""
    login = login.strip()
    if not login or any(c.isspace() for c in login) or printable(login) != login:
        raise ValueError(f"{login!r} is not a login name")
    display_name = " ".join(printable(display_name).split()) or None if display_name else None
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    with store.transaction():
        first = not any_officers(store)
        if first and role != "lead":
            raise ValueError("the first officer must be a lead (--role lead)")
        if not first:
            require_lead(store)
        before = role_and_name_of(store, login)
        upsert_officer(store, login, role, display_name, now_iso())
        store.audit(
            "officer-add" if before is None else "officer-change",
            "officer",
            login,
            {
                "before": None if before is None else {"role": before[0], "name": before[1]},
                "after": {"role": role, "name": display_name},
            },
        )
        if _leads(store) == 0:
            raise ValueError("this would leave no lead")
    return next(o for o in list_officers(store) if o.login == login)


def remove_officer(store: Store, login: str) -> None:
    with store.transaction():
        require_lead(store)
        role = role_of(store, login)
        if role is None:
            raise ValueError(f"{login!r} is not an officer of this database")
        delete_officer(store, login)
        if _leads(store) == 0 and any_officers(store):
            raise ValueError("this would leave no lead; add another lead first")
        store.audit("officer-remove", "officer", login, {"before": {"role": role}})


def _leads(store: Store) -> int:
    return count_with_role(store, "lead")
