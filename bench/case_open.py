"""Benchmark: opening a case (all panels painted) against the queue's old detail panel.

The issue's target: opening a case for a pupil with a full school year of marks (380
sessions) and 200 timeline entries, with a database of 2,000 pupils' full year, takes at
most 2x the time to open the queue screen's simple detail panel for the same pupil in the
same run.

    .venv/bin/python bench/case_open.py             # 5 rounds
    .venv/bin/python bench/case_open.py --rounds 9
    .venv/bin/python bench/case_open.py --check     # exit 1 when the target is missed
    .venv/bin/python bench/case_open.py --profile   # cProfile one case read and one opening

The simple panel (`PupilPanel`) was `screens/pupil_panel.py` (and `.tcss`) until the case
screen replaced it; it is copied below from `git show HEAD~1:screens/pupil_panel.py`, its
stylesheet inlined, as the yardstick. Its opening is what `QueueScreen.action_details` did:
read the session's attempts (`logbook.attempts_for`) on the interface thread and push the
panel with the queue's entry and status for the pupil.

Each round is one Pilot session (`TriageApp(db, ON, "AM", officer=..., clock=...)`,
`run_test`) on a fresh copy of :mod:`big_school`'s database, the queue loaded first. In it
the case and the panel are each opened `--opens` times, alternating (which goes first
alternates between rounds), each closed again before the next, after a `gc.collect()`.
An opening is timed from just before the push to the end of the first frame (a hook on
`Screen._compositor_refresh`, as in `keystroke.py`) in which the new screen is on top and
shows its data: for the case, the first frame after `CaseScreen.show` has shown the case
(`screen.case` is set): the header and the Attendance tab's panels (figures, alerts,
patterns) painted, the Attendance tab on view. The whole case is read (`load_case`, the
register grid, contacts, siblings and timeline included) on the interface thread before
that frame; the Register, Contacts and Timeline tabs' panels are made from it when each
tab is first shown (not on view when the case opens; before the speed work of
2026-11-24 they were mounted, and updated while hidden, on every opening). For the panel,
its first frame (it composes everything at once). The script also waits for the "case"
workers and a `pilot.pause()` before closing, and checks what was shown. The ratio is the
median of the per-opening ratios (case / panel, paired by order).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from big_school import BigSchool, big_school, copy_of, print_profile
from common import Samples, fresh_dir, machine, paired_ratio, print_table
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.app import TriageApp
from screens.case_screen import CaseScreen
from screens.queue_screen import QueueScreen
from triage.casework.chronology import load_case
from triage.model import Attempt, QueueEntry, year_label
from triage.morning import logbook
from triage.morning.outcomes import CHANNEL_LABELS, Status
from triage.morning.queue import flags_of
from triage.store import open_store

TARGET_RATIO = 2.0
SESSION = "AM"
SIZE = (120, 40)
OFFICER = "jsmith"
PAINT_TIMEOUT = 60.0


# --- the yardstick: the old panel, as it was at HEAD~1 ------------------------------------


class PupilPanel(ModalScreen[None]):
    """`screens/pupil_panel.py` at HEAD~1, unchanged but for its CSS, inlined."""

    DEFAULT_CSS = """
    PupilPanel {
        align: center middle;
    }

    #panel {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }

    #panel-figures {
        margin: 1 0;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss_panel", "Back"),
        Binding("enter", "dismiss_panel", "Back", show=False),
    ]

    def __init__(self, entry: QueueEntry, status: Status, attempts: list[Attempt]) -> None:
        super().__init__()
        self.entry = entry
        self.status = status
        self.attempts = attempts

    def compose(self) -> ComposeResult:
        e, p = self.entry, self.entry.pupil
        with VerticalScroll(id="panel"):
            title = Text(p.display_name, style="bold")
            title.append(f"   UPN {p.upn}   Year {year_label(p.year_group)} {p.reg_group or ''}")
            yield Static(title)
            flags = " ".join(flags_of(e)) or "none"
            pct = e.attendance.percent
            figures = Text()
            figures.append(f"Status: {self.status.label}\n", style="bold")
            figures.append(f"Flags: {flags}   Stage: {p.stage}\n")
            figures.append(
                f"Attendance this term: {'—' if pct is None else f'{pct:.1f}%'}"
                f" ({e.attendance.attending}/{e.attendance.possible} sessions)"
            )
            if e.attendance.severe_absence:
                figures.append("  SEVERE ABSENCE", style="bold red")
            elif e.attendance.persistent_absence:
                figures.append("  PERSISTENT ABSENCE", style="bold yellow")
            figures.append(
                f"\nConsecutive school days unauthorised: {e.consecutive_days} of 10"
                f"\nUnauthorised sessions in 10 school weeks: {e.rolling_unauthorised} of 10"
                f"\nN marks older than 5 school days: {e.overdue_n}"
            )
            yield Static(figures, id="panel-figures")
            contacts = Table(title="Contacts", title_justify="left", expand=True)
            for col in ("#", "name", "relationship", "numbers", "email", "PR"):
                contacts.add_column(col)
            for c in e.contacts:
                contacts.add_row(
                    str(c.priority),
                    Text(c.name),
                    Text(c.relationship or ""),
                    Text(" / ".join(c.numbers)),
                    Text(c.email or ""),
                    "yes" if c.parental_responsibility else "",
                )
            yield Static(contacts)
            history = Table(title="Attempts today", title_justify="left", expand=True)
            for col in ("time", "officer", "channel", "outcome", "reason"):
                history.add_column(col)
            for a in reversed(self.attempts):
                history.add_row(
                    f"{a.at:%H:%M}",
                    Text(a.officer),
                    CHANNEL_LABELS.get(a.channel, a.channel),
                    Text(a.outcome.replace("_", " ")),
                    a.reason_code or "",
                )
            if not self.attempts:
                history.add_row("", "", "", "none yet", "")
            yield Static(history)
            yield Static(Text("escape: back to the queue", style="dim"))

    def action_dismiss_panel(self) -> None:
        self.dismiss(None)


def open_panel(app: TriageApp, queue: QueueScreen, pupil_id: int) -> None:
    """What `QueueScreen.action_details` did at HEAD~1, for ``pupil_id``."""
    assert queue.morning is not None and queue.progress is not None
    entry = next(e for e in queue.morning.entries if e.pupil.id == pupil_id)
    attempts = logbook.attempts_for(app.store, queue.morning.date, queue.morning.session)
    app.push_screen(
        PupilPanel(entry, queue.progress.statuses[pupil_id], attempts.get(pupil_id, []))
    )


# --- timing -------------------------------------------------------------------------------


class FrameClock:
    """The end of the first frame of the top screen that a predicate accepts (a hook on
    `Screen._compositor_refresh`, where Textual renders a frame)."""

    def __init__(self) -> None:
        self.watch: Callable[[Screen], bool] | None = None
        self.hit: float | None = None
        self.event: asyncio.Event | None = None
        render = Screen._compositor_refresh
        clock = self

        def _compositor_refresh(screen: Screen) -> None:
            render(screen)
            if clock.watch is None or clock.hit is not None or screen is not screen.app.screen:
                return
            if clock.watch(screen):
                clock.hit = time.perf_counter()
                assert clock.event is not None
                clock.event.set()

        Screen._compositor_refresh = _compositor_refresh  # type: ignore[method-assign]

    def arm(self, watch: Callable[[Screen], bool]) -> None:
        self.watch, self.hit, self.event = watch, None, asyncio.Event()

    async def first_hit(self) -> float:
        assert self.event is not None
        await asyncio.wait_for(self.event.wait(), PAINT_TIMEOUT)
        assert self.hit is not None
        self.watch = None
        return self.hit


def case_shown(screen: Screen) -> bool:
    return isinstance(screen, CaseScreen) and screen.case is not None


def panel_shown(screen: Screen) -> bool:
    return isinstance(screen, PupilPanel)


async def time_case(app, pilot, clock: FrameClock, school: BigSchool) -> float:
    gc.collect()
    clock.arm(case_shown)
    start = time.perf_counter()
    app.push_screen(CaseScreen(school.case_pupil_id, school.on))
    seconds = await clock.first_hit() - start
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CaseScreen) and screen.case is not None
    # 200 entries of case work, plus the calling ladder's steps for the pupil's absences.
    work = [e for e in screen.case.timeline if e.kind != "ladder"]
    if screen.case.pupil.upn != school.case_upn or len(work) != 200:
        raise RuntimeError(f"the case shows {screen.case.pupil.upn}, {len(screen.case.timeline)}")
    app.pop_screen()
    await pilot.pause()
    return seconds


async def time_panel(app, pilot, clock: FrameClock, school: BigSchool, queue) -> float:
    gc.collect()
    clock.arm(panel_shown)
    start = time.perf_counter()
    open_panel(app, queue, school.case_pupil_id)
    seconds = await clock.first_hit() - start
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, PupilPanel) and screen.entry.pupil.upn == school.case_upn
    app.pop_screen()
    await pilot.pause()
    return seconds


async def session(
    db: Path, school: BigSchool, opens: int, first_case: bool, clock, case_t, panel_t
):
    now = datetime.combine(school.on, datetime.min.time()).replace(hour=10, minute=30)
    app = TriageApp(db, school.on, SESSION, officer=OFFICER, clock=lambda: now)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen) and queue.morning is not None
        for i in range(opens):
            order = [True, False] if (i % 2 == 0) == first_case else [False, True]
            for case in order:
                if case:
                    case_t.seconds.append(await time_case(app, pilot, clock, school))
                else:
                    panel_t.seconds.append(await time_panel(app, pilot, clock, school, queue))


async def profile_opening(db: Path, school: BigSchool) -> None:
    """The case read alone (as the screen does it on opening, and its worker on a reload),
    then one opening of each in the main thread."""
    with open_store(db, create=False, officer=OFFICER) as store:
        reader = cProfile.Profile()
        reader.runcall(load_case, store, school.case_pupil_id, school.on)
    print_profile("load_case (the case's read, one call)", reader)
    clock = FrameClock()
    now = datetime.combine(school.on, datetime.min.time()).replace(hour=10, minute=30)
    app = TriageApp(db, school.on, SESSION, officer=OFFICER, clock=lambda: now)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        queue = app.screen
        for label, run in (
            ("opening the case, main thread", lambda: time_case(app, pilot, clock, school)),
            ("opening the panel", lambda: time_panel(app, pilot, clock, school, queue)),
        ):
            profiler = cProfile.Profile()
            profiler.enable()
            await run()
            profiler.disable()
            print_profile(label, profiler)


# --- the run ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="app sessions (default 5)")
    ap.add_argument("--opens", type=int, default=4, help="openings of each per round (4)")
    ap.add_argument("--pupils", type=int, default=2000, help="pupils (default 2000)")
    ap.add_argument("--tmpdir", type=Path, help="where to put the temporary folder")
    ap.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    ap.add_argument("--profile", action="store_true", help="cProfile the openings and stop")
    args = ap.parse_args(argv)
    if min(args.rounds, args.opens) < 1:
        ap.error("--rounds and --opens must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    school = big_school(args.pupils)
    print(
        f"opening a case: {school.pupils:,} pupils, {school.marks:,} marks, on"
        f" {school.on:%a %d %b %Y} {SESSION}; pupil {school.case_upn} (380 marks, 200 entries)"
    )
    print(f"  {SIZE[0]}x{SIZE[1]} headless, {args.rounds} rounds of {args.opens} openings each")
    print(f"  {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-case-open-", dir=args.tmpdir) as tmp:
        work = Path(tmp)
        if args.profile:
            asyncio.run(profile_opening(copy_of(school, work), school))
            return 0
        clock = FrameClock()
        warm_case, warm_panel = Samples("warm"), Samples("warm")
        asyncio.run(
            session(copy_of(school, work, "warm.db"), school, 1, True, clock, warm_case, warm_panel)
        )
        case_t, panel_t = Samples("open the case (all panels)"), Samples("open the old panel")
        for r in range(args.rounds):
            folder = fresh_dir(work, f"round{r}")
            db = copy_of(school, folder)
            asyncio.run(session(db, school, args.opens, r % 2 == 0, clock, case_t, panel_t))
            print(
                f"  round {r + 1}: case {statistics.median(case_t.seconds[-args.opens :]):.3f}s,"
                f" panel {statistics.median(panel_t.seconds[-args.opens :]):.3f}s"
            )
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    ratio = paired_ratio(case_t, panel_t)
    print()
    print_table(
        ["contender", "n", "median s", "range s", "vs panel"],
        [
            [
                panel_t.label,
                str(len(panel_t.seconds)),
                f"{panel_t.median:.3f}",
                panel_t.spread,
                "1.00x",
            ],
            [
                case_t.label,
                str(len(case_t.seconds)),
                f"{case_t.median:.3f}",
                case_t.spread,
                f"{ratio:.2f}x",
            ],
        ],  # fmt: skip
    )
    print()
    ok = ratio <= TARGET_RATIO
    print(f"ratio {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'PASS' if ok else 'FAIL'}")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
