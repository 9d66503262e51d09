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
    display_name_of,
    role_and_name_of,
    role_of,
    save_display_name,
    save_single_user_name,
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


def clean_display_name(name: str) -> str:
    """A person's name as letters print it: printable, single-spaced."""
    return " ".join(printable(name).split())


def display_name_problem(login: str, name: str) -> str | None:
    """Why ``name`` cannot sign letters for ``login`` (one line), or None."""
    name = clean_display_name(name)
    if not name:
        return "give your full name, as it should appear under a letter"
    if name.casefold() == login.casefold() or not any(c.isalpha() for c in name):
        return f"{name!r} is a login, not a name: give your full name, e.g. Priya Shah"
    if len(name) > 80:
        return "a name of at most 80 characters"
    return None


def set_display_name(store: Store, login: str, name: str) -> str:
    """Record the name letters are signed with. An officer may give their own; a lead any
    officer's. With no officers recorded (single-user mode) the name is kept for the login
    without recording an officer, which would end single-user mode. Audited."""
    problem = display_name_problem(login, name)
    if problem:
        raise ValueError(problem)
    name = clean_display_name(name)
    with store.transaction():
        if login == store.officer:
            access_of(store)
        else:
            require_lead(store)
        before = display_name_of(store, login)
        if not save_display_name(store, login, name):
            if any_officers(store):
                raise ValueError(f"{login!r} is not an officer of this database")
            save_single_user_name(store, login, name)
        store.audit("officer-name", "officer", login, {"before": before, "after": name})
    return name


def display_name(store: Store, login: str | None = None) -> str | None:
    """The name ``login`` (default: this store's officer) signs with, None if not given."""
    return display_name_of(store, login or store.officer)


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
