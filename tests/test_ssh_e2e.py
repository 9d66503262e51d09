"""End to end over real SSH logins: two officers work one morning on one shared database.

OpenSSH's sshd runs on 127.0.0.1 (a free port, a throwaway host key); two local test users
log in with ``ssh -t`` inside tmux sessions and run ``triage`` on one database built from
the demo. The test types keys (``tmux send-keys``) and reads the screens
(``tmux capture-pane``), then reads the database as root.

Needs root (it creates the users and runs sshd), ``sshd`` and ``tmux`` (``.ci/install-e2e.sh``
installs them) and Debian's /usr/bin/python3 >= 3.11; skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests import ssh_harness as h
from triage.morning.logbook import CLAIM_MINUTES, claims_for
from triage.store import open_store

MORNING = date(2026, 11, 24)  # the demo's morning
SESSION = "AM"
A, B = "triage_e2e_a", "triage_e2e_b"
LIVE_LIMIT = 2.0  # seconds: another officer's change must show within this
START_LIMIT = 20.0  # seconds: SSH login and the first screen


def _skip_reason() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the SSH end-to-end test runs on Linux only"
    if os.geteuid() != 0:
        return "the SSH end-to-end test needs root (it creates local users and runs sshd)"
    missing = h.missing_tools()
    if missing:
        return (
            f"the SSH end-to-end test needs {', '.join(missing)}, which could not be "
            "installed here (see .ci/install-e2e.sh)"
        )
    version = h.system_python_version()
    if version is None or version < (3, 11):
        found = "missing" if version is None else f"{version[0]}.{version[1]}"
        return f"the SSH end-to-end test needs Debian's /usr/bin/python3 >= 3.11 (found: {found})"
    return None


@dataclass(frozen=True)
class Pupil:
    name: str  # as the queue shows it
    upn: str
    id: int


@dataclass(frozen=True)
class Cast:
    """Who the morning is about, taken from the demo's queue (so a change to the demo's
    generator does not break the test): the top family, the next, a family of siblings,
    a family whose call is cut off, and one nobody touches."""

    queue: tuple[Pupil, ...]  # in queue order
    top: tuple[Pupil, ...]
    next: tuple[Pupil, ...]
    siblings: tuple[Pupil, ...]
    dropped: Pupil
    untouched: Pupil

    @classmethod
    def from_queue(cls, families: list[tuple[Pupil, ...]]) -> Cast:
        siblings = next((f for f in families[2:] if len(f) >= 2), None)
        single = [f for f in families[2:] if len(f) == 1]
        names = [p.name for f in families for p in f]
        assert siblings and len(single) >= 2 and len(set(names)) == len(names), (
            "the demo's queue no longer has what this test needs: two families, then one "
            f"of siblings and two single pupils, all names different: {families}"
        )
        return cls(tuple(p for f in families for p in f), families[0], families[1],
                   siblings, single[0][0], single[-1][0])  # fmt: skip

    def row(self, pupil: Pupil) -> int:
        return self.queue.index(pupil)


@dataclass
class Officers:
    """The running set-up: sshd, our tmux server, the shared database and the venv."""

    sshd: h.Sshd
    tmux: h.Tmux
    db: Path
    venv: Path
    cast: Cast

    def app_command(self) -> str:
        triage = self.venv / "bin" / "triage"
        return (
            f"cd /tmp && TERM=xterm-256color exec {triage} --db {self.db} "
            f"--date {MORNING.isoformat()}"
        )

    def log_in(self, session: str, user: str) -> int:
        """``ssh -t`` as ``user`` running triage in a new tmux session; the ssh client's
        PID. Waits for the queue's first screen."""
        pane = self.tmux.new_session(session, self.sshd.ssh_command(user, self.app_command()))
        try:
            self.tmux.wait_for(session, "to call", START_LIMIT, "the queue")
        except h.ScreenTimeout as exc:
            raise AssertionError(f"{exc}\nsshd log:\n{self.sshd.log_text()[-3000:]}") from None
        return ssh_client_pid(pane)

    def remote(self, user: str, command: str) -> str:
        """Run a command as ``user`` over SSH without a terminal; its output."""
        cmd = self.sshd.ssh_command(user, command)
        cmd[cmd.index("-t")] = "-T"
        return h.run(cmd, timeout=60)

    def query(self, sql: str, *params: object) -> list[tuple]:
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


def ssh_client_pid(pane_pid: int) -> int:
    """The ssh client: the pane's process itself when the shell exec'd it, else its child."""
    for _ in range(50):
        if Path(f"/proc/{pane_pid}/comm").read_text().strip() == "ssh":
            return pane_pid
        children = Path(f"/proc/{pane_pid}/task/{pane_pid}/children").read_text().split()
        for child in children:
            if Path(f"/proc/{child}/comm").read_text().strip() == "ssh":
                return int(child)
        time.sleep(0.05)
    raise AssertionError(f"no ssh client under the tmux pane (pid {pane_pid})")


@pytest.fixture
def officers() -> Iterator[Officers]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    h.note("building the venv for the test users (cached between runs)")
    venv = h.build_venv()
    h.ensure_users((A, B))
    with h.temp_folder("triage-e2e-") as folder:
        db = _shared_demo_database(folder, venv)
        cast = _cast(db, venv)
        sshd = h.Sshd(folder, (A, B))
        tmux = h.Tmux(folder)
        try:
            sshd.start()
            h.note(f"sshd pid {sshd.pid()} on 127.0.0.1:{sshd.port}")
            officers = Officers(sshd, tmux, db, venv, cast)
            # Over SSH as they would: A makes themselves the lead (the first officer
            # must be), then adds B as an officer.
            triage = f"{venv}/bin/triage"
            officers.remote(A, f"{triage} officers add {A} --role lead --db {db}")
            officers.remote(A, f"{triage} officers add {B} --db {db}")
            yield officers
        finally:
            tmux.stop()
            sshd.stop()
            _stop_leftovers()


def _shared_demo_database(folder: Path, venv: Path) -> Path:
    """The demo, built as root into a folder the group shares (2770), the file 0660."""
    shared = folder / "shared"
    shared.mkdir()
    h.run(["chgrp", h.GROUP, str(shared)])
    os.chmod(shared, 0o2770)
    db = shared / "triage.db"
    triage = str(venv / "bin" / "triage")
    h.run([triage, "demo", "--db", str(db), "--no-open", "--date", MORNING.isoformat()])
    # The officers run on the real clock, and the school's calling ladder would stop them
    # with a safeguarding-lead alert as soon as it falls due (the demo morning may be
    # today). This test is about two officers sharing a file, so its ladder has no DSL
    # step; the ladder's own screens are tested with an injected clock.
    ladder = folder / "ladder.toml"
    ladder.write_text('[[step]]\nkey = "text"\nkind = "text"\ndue_minutes = 30\n')
    h.run([triage, "config", "ladder", "load", str(ladder), "--db", str(db)])
    _share(db)
    return db


def _share(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db}{suffix}")
        if path.exists():
            h.run(["chgrp", h.GROUP, str(path)])
            os.chmod(path, 0o660)


def _cast(db: Path, venv: Path) -> Cast:
    out = h.run(
        [str(venv / "bin" / "triage"), "queue", "--db", str(db), "--date", MORNING.isoformat()]
        + ["--format", "json"]
    )
    conn = sqlite3.connect(db)
    try:
        ids = dict(conn.execute("SELECT upn, id FROM pupils"))
    finally:
        conn.close()
    families = [
        tuple(Pupil(p["name"], p["upn"], ids[p["upn"]]) for p in f["pupils"])
        for f in json.loads(out)["families"]
    ]
    return Cast.from_queue(families)


def _stop_leftovers() -> None:
    """Anything still running as a test user was started by this test through its sshd
    (the users exist for nothing else): stop it by its PID."""
    for user in (A, B):
        for pid, cmd in h.processes_of(user).items():
            h.note(f"stopping leftover process {pid} of {user}: {cmd}")
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            if not h.wait_gone(pid, 3):
                os.kill(pid, signal.SIGKILL)


# --- reading screens -------------------------------------------------------------------------


def row(screen: str, name: str) -> str:
    """The queue row of a pupil (by display name), or '' when it is not on screen. A row
    has the name in the Name column (a dialog or a notification naming them does not)."""
    lines = screen.splitlines()
    header = next((line for line in lines if " Fam  Name " in line), None)
    if header is None:
        return ""
    at = header.index(" Name ") + 1
    for line in lines:
        if line[at:].startswith(f"{name} "):
            return line
    return ""


def shows(
    pupils: Pupil | Iterable[Pupil], *texts: str, absent: tuple[str, ...] = ()
) -> Callable[[str], bool]:
    """A screen test: each pupil's row shows every one of ``texts`` and none of ``absent``."""
    group = (pupils,) if isinstance(pupils, Pupil) else tuple(pupils)

    def test(screen: str) -> bool:
        for pupil in group:
            line = row(screen, pupil.name)
            if not line or any(t not in line for t in texts) or any(t in line for t in absent):
                return False
        return True

    test.label = (  # type: ignore[attr-defined]
        f"the row of {', '.join(p.name for p in group)} with "
        + (", ".join(map(repr, texts)) or "anything")
        + (f" and without {', '.join(map(repr, absent))}" if absent else "")
    )
    return test


def whole_queue(cast: Cast) -> Callable[[str], bool]:
    def test(screen: str) -> bool:
        return "filter:" not in screen and bool(row(screen, cast.untouched.name))

    test.label = "the whole queue, unfiltered"  # type: ignore[attr-defined]
    return test


def claimed(by: str) -> str:
    return f"[{by}]"


def dialog_for(family: tuple[Pupil, ...]) -> str:
    """How the outcome dialog names who it is for."""
    if len(family) == 1:
        return f"For {family[0].name} only"
    return f"For the whole family: {family[0].name}"


def names(family: Iterable[Pupil]) -> str:
    return ", ".join(p.name for p in family)


# --- the morning -----------------------------------------------------------------------------


def test_two_officers_share_a_morning_over_ssh(officers: Officers) -> None:
    tm, cast = officers.tmux, officers.cast
    top, nxt, siblings, dropped = cast.top, cast.next, cast.siblings, cast.dropped
    t_start = time.monotonic()

    # Both officers log in over SSH and open the same queue, A's login name on nothing.
    ssh_a = officers.log_in("a", A)
    ssh_b = officers.log_in("b", B)
    h.note(f"both logged in after {time.monotonic() - t_start:.1f} s (ssh pids {ssh_a}, {ssh_b})")
    for session in ("a", "b"):
        screen = tm.capture(session)
        assert f" {len(cast.queue)} to call " in screen, screen
        assert "single-user" not in screen, screen

    # 1. A opens the call dialog on the top family; B sees A's name on it within 2 s.
    started = time.monotonic()
    tm.send("a", "c")
    tm.wait_for("a", dialog_for(top), what="A's call dialog on the top family")
    tm.wait_for("b", shows(top, "to call", claimed(A)), what="A's claim")
    _within_limit(started, f"B sees that A is on {names(top)}")

    # 2. B, on the same family, is warned that A is on it, and backs off.
    tm.send("b", "c")
    tm.wait_for("b", f"{A} is working on this family right now. Log anyway?")
    tm.send("b", "n")
    tm.wait_for("b", lambda s: "Log anyway?" not in s and "c Call" in s, what="B's queue")
    assert officers.query("SELECT DISTINCT officer FROM claims") == [(A,)]

    # 3. A records "spoke to contact, reason given: illness"; B sees it within 2 s.
    tm.send("a", "1")
    tm.wait_for("a", "Illness", what="the reason picker")
    started = time.monotonic()
    tm.send("a", "i")
    tm.wait_for("b", shows(top, "reason → I", absent=(claimed(A),)), what="A's outcome")
    _within_limit(started, f"B sees A's outcome for {names(top)}")
    tm.wait_for("b", f" {len(top)} explained ", what="the summary counting it")

    # 4. Both at once. A takes the next family (the cursor went there by itself); B sees
    #    A's claim, then goes up the queue with k to a family of siblings (B's cursor
    #    followed the top family to the bottom, where resolved families go).
    started = time.monotonic()
    tm.send("a", "c")
    tm.wait_for("a", dialog_for(nxt), what="A's dialog on the next family to call")
    tm.wait_for("b", shows(nxt, "to call", claimed(A)), what="A's claim")
    _within_limit(started, f"B sees that A is on {names(nxt)}")
    tm.send("b", *["k"] * (len(cast.queue) - cast.row(siblings[0])))
    started = time.monotonic()
    tm.send("b", "c")
    tm.wait_for("b", dialog_for(siblings), what="B's dialog on the siblings")
    tm.wait_for("a", shows(siblings, "to call", claimed(B)), what="B's claim")
    _within_limit(started, f"A sees that B is on {names(siblings)}")

    # Both record at the same moment: B "no answer" for the siblings, A reason M.
    tm.send("a", "1")
    tm.wait_for("a", "Illness", what="the reason picker")
    started = time.monotonic()
    tm.send("b", "3")
    tm.send("a", "m")
    tm.wait_for("a", shows(siblings, "tried 1", absent=(claimed(B),)), what="B's outcome")
    tm.wait_for("b", shows(nxt, "reason → M", absent=(claimed(A),)), what="A's outcome")
    _within_limit(started, "each sees the other's outcome")

    # 5. B opens a call on another pupil (found by UPN with the filter), chooses "reason
    #    given", and the connection drops with the reason picker open: B's ssh client is
    #    killed by its PID.
    _filter_to("b", tm, dropped.upn)
    started = time.monotonic()
    tm.send("b", "c")
    tm.wait_for("b", dialog_for((dropped,)), what="B's dialog")
    tm.wait_for("a", shows(dropped, "to call", claimed(B)), what="B's claim")
    _within_limit(started, f"A sees that B is on {dropped.name}")
    tm.send("b", "1")
    tm.wait_for("b", "Illness", what="B's reason picker")
    assert any("triage" in cmd for cmd in h.processes_of(B).values()), h.processes_of(B)
    os.kill(ssh_b, signal.SIGKILL)
    assert h.wait_gone(ssh_b, 5), "B's ssh client did not stop"
    deadline = time.monotonic() + 10
    while h.processes_of(B) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = h.processes_of(B)
    assert not left, f"B's processes on the server outlived the dropped connection: {left}"
    tm.kill_session("b")

    # Nothing partial is stored, and the file is sound.
    assert officers.query("PRAGMA integrity_check") == [("ok",)]
    assert officers.query("SELECT * FROM attempts WHERE pupil_id = ?", dropped.id) == []
    assert officers.query("SELECT * FROM recodes WHERE pupil_id = ?", dropped.id) == []
    assert _mark(officers, dropped) == ("N", 0)
    # B's claim outlives B, but lapses by itself within 10 minutes.
    [(holder, expires_at)] = officers.query(
        "SELECT officer, expires_at FROM claims WHERE pupil_id = ? AND date = ?",
        dropped.id,
        MORNING.isoformat(),
    )
    assert holder == B
    expires = datetime.fromisoformat(expires_at)
    now = datetime.now(UTC)
    assert now < expires <= now + timedelta(minutes=CLAIM_MINUTES, seconds=5), expires_at
    with open_store(officers.db, create=False, officer=A) as store:
        assert claims_for(store, MORNING, SESSION).get(dropped.id) == B
        lapsed = claims_for(store, MORNING, SESSION, at=expires + timedelta(seconds=1))
        assert dropped.id not in lapsed
    assert shows(dropped, claimed(B))(tm.capture("a")), "A still sees who was on it"

    # 6. A takes the pupil over: warned that B is on the family, logs anyway.
    _filter_to("a", tm, dropped.upn)
    tm.send("a", "c")
    tm.wait_for("a", f"{B} is working on this family right now. Log anyway?")
    tm.send("a", "y")
    tm.wait_for("a", f"{B} is on this family too.", what="the warning in A's dialog")
    tm.wait_for("a", dialog_for((dropped,)))
    tm.send("a", "2")
    spoke = "reached"  # spoke to contact, no reason given
    tm.wait_for("a", shows(dropped, spoke, absent=(claimed(B),)), what="A's outcome")
    tm.send("a", "Escape")
    tm.wait_for("a", whole_queue(cast))

    # 7. B logs in again and sees the morning as A left it, with no claim left on anyone;
    #    both quit with q.
    officers.log_in("b2", B)
    for pupils, status in (
        (top, "reason → I"),
        (nxt, "reason → M"),
        (siblings, "tried 1"),
        ((dropped,), spoke),
        ((cast.untouched,), "to call"),
    ):
        tm.wait_for("b2", shows(pupils, status), what="the morning as A left it")
    assert not any(claimed(x) in tm.capture("b2") for x in (A, B)), tm.capture("b2")
    for session in ("b2", "a"):
        tm.send(session, "q")
        tm.wait_for(
            session,
            lambda _, session=session: tm.exit_status(session) is not None,
            what="the app quitting and ssh ending",
        )
        status = tm.exit_status(session)
        assert status == 0, f"{session}: ssh ended with {status} after q:\n{tm.capture(session)}"
    h.note(f"the morning took {time.monotonic() - t_start:.1f} s")

    _assert_store_holds_what_was_typed(officers)


def _within_limit(started: float, what: str) -> None:
    took = time.monotonic() - started
    h.note(f"{what}: {took:.2f} s")
    assert took <= LIVE_LIMIT, f"{what} took {took:.2f} s (limit {LIVE_LIMIT} s)"


def _filter_to(session: str, tm: h.Tmux, text: str) -> None:
    """Find a pupil as an officer would: `/`, type, enter (the cursor lands on the match)."""
    tm.send(session, "/")
    tm.wait_for(session, "filter by name", what="the filter box")
    tm.type(session, text)
    tm.send(session, "Enter")
    tm.wait_for(session, f"filter: {text}", what=f"the queue filtered to {text!r}")


def _mark(officers: Officers, pupil: Pupil) -> tuple[str, int]:
    [mark] = officers.query(
        "SELECT code, amended FROM marks WHERE pupil_id = ? AND date = ? AND session = ?",
        pupil.id,
        MORNING.isoformat(),
        SESSION,
    )
    return mark


def _assert_store_holds_what_was_typed(officers: Officers) -> None:
    """Exactly the attempts and recodes typed, by the officer who typed them, one event
    per action (so no family was logged twice), and the audit trail says so."""
    cast = officers.cast
    by_id = {p.id: p.name for p in cast.queue}
    day = MORNING.isoformat()
    assert officers.query("PRAGMA integrity_check") == [("ok",)]

    typed = (
        [(p.name, A, "call", "spoke_reason", "I") for p in cast.top]
        + [(p.name, A, "call", "spoke_reason", "M") for p in cast.next]
        + [(p.name, B, "call", "no_answer", None) for p in cast.siblings]
        + [(cast.dropped.name, A, "call", "spoke_no_reason", None)]
    )
    stored = officers.query(
        "SELECT pupil_id, officer, channel, outcome, reason_code, date, session, undone_event_id"
        " FROM attempts"
    )
    assert all(row[5:] == (day, SESSION, None) for row in stored), stored
    assert sorted(((by_id[r[0]], *r[1:5]) for r in stored), key=str) == sorted(typed, key=str)

    recodes = officers.query(
        "SELECT pupil_id, date, session, old_code, new_code, officer, undone_event_id FROM recodes"
    )
    assert sorted((by_id[r[0]], *r[1:]) for r in recodes) == sorted(
        [(p.name, day, SESSION, "N", "I", A, None) for p in cast.top]
        + [(p.name, day, SESSION, "N", "M", A, None) for p in cast.next]
    )
    for pupil in cast.top:
        assert _mark(officers, pupil) == ("I", 1), pupil
    for pupil in cast.next:
        assert _mark(officers, pupil) == ("M", 1), pupil
    for pupil in (*cast.siblings, cast.dropped, cast.untouched):
        assert _mark(officers, pupil) == ("N", 0), pupil
    assert officers.query("SELECT * FROM claims") == []

    # One officer action, one audit event.
    events = officers.query(
        "SELECT officer, action, detail FROM events WHERE officer IN (?, ?)"
        " AND action NOT LIKE 'officer-%'",
        A,
        B,
    )
    expected_events = sorted(
        [
            (A, "attempt", names(cast.top)),
            (A, "attempt", names(cast.next)),
            (B, "attempt", names(cast.siblings)),
            (A, "attempt", cast.dropped.name),
        ]
    )
    assert (
        sorted(
            (officer, action, ", ".join(by_id[p] for p in json.loads(detail)["pupils"]))
            for officer, action, detail in events
        )
        == expected_events
    )

    # The audit trail, as the lead reads it over SSH, names the right officer for each.
    trail = json.loads(
        officers.remote(A, f"{officers.venv}/bin/triage audit --db {officers.db} --format json")
    )
    listed = sorted(
        (e["officer"], e["action"], ", ".join(by_id[p] for p in e["detail"]["pupils"]))
        for e in trail
        if e["action"] == "attempt"
    )
    assert listed == expected_events
    outcomes = {
        ", ".join(by_id[p] for p in e["detail"]["pupils"]): e["detail"]["outcome"]
        for e in trail
        if e["action"] == "attempt"
    }
    assert outcomes == {
        names(cast.top): "Spoke to contact — reason given",
        names(cast.next): "Spoke to contact — reason given",
        names(cast.siblings): "No answer",
        cast.dropped.name: "Spoke to contact — no reason given",
    }
