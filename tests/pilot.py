"""Driving the app through Textual's Pilot: one way to make the app, one fixed clock, keys
that wait for the app's own work, and readers of what a screen shows.

Every screen test imports from here; the database fixtures are in ``conftest.py``. The
demo morning is Tuesday 24 November 2026, AM, and the clock stands at 09:20 unless a test
moves it.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from screens.app import TriageApp
from screens.case_dialogs import Choice
from screens.case_screen import CaseScreen
from screens.caseload_screen import CaseloadScreen
from tests.conftest import DEMO_MORNING

AM = "AM"
NOW = datetime(2026, 11, 24, 9, 20)  # 09:20 on the demo morning (naive = local time)

# The app's own worker groups. A DirectoryTree (the import screen) runs a loader worker
# that never ends, so waiting for "every worker" would hang there: wait for these.
APP_WORKER_GROUPS = (
    "load",
    "numbers",
    "counts",
    "alerts",
    "inbox",
    "case",
    "summary",
    "writes",
    "messages",  # texts and emails sent from the queue (screens/queue_messages.py)
)


class Clock:
    """The app's clock, which a test can move forward (naive = local time)."""

    def __init__(self, hour: int = NOW.hour, minute: int = NOW.minute) -> None:
        self.now = datetime(2026, 11, 24, hour, minute)

    def __call__(self) -> datetime:
        return self.now


def MORNING_CLOCK() -> datetime:  # noqa: N802 - read as a constant: a clock stopped at 09:20
    return NOW


def make_app(path: Path, officer: str = "officer.one", clock: Clock | None = None) -> TriageApp:
    """The app on the demo morning's AM session, as ``officer``, at the test's clock."""
    return TriageApp(path, DEMO_MORNING, AM, officer=officer, clock=clock or Clock())


async def loaded(pilot: Pilot) -> None:
    """Wait until the queue is read and counted (every worker done), then repaint."""
    await pilot.pause()  # a long queue starts counting its figures after the first paint
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def settle(pilot: Pilot, groups: tuple[str, ...] = APP_WORKER_GROUPS) -> None:
    """Wait for the app's workers in ``groups`` that are running now, then repaint."""
    ours = [w for w in pilot.app.workers if w.group in groups]
    if ours:  # (an empty list would mean "every worker" to wait_for_complete)
        await pilot.app.workers.wait_for_complete(ours)
    await pilot.pause()


async def press(pilot: Pilot, *keys: str) -> None:
    """Press keys as an officer would, then wait for the case screens' reads (group "case")
    that they started, and repaint."""
    await pilot.press(*keys)
    await settle(pilot, ("case",))


async def type_text(pilot: Pilot, text: str) -> None:
    await press(pilot, *["space" if ch == " " else ch for ch in text])


async def open_case(pilot: Pilot, pupil_id: int) -> CaseScreen:
    """Push a pupil's case screen, as the queue's and the caseload's enter do."""
    screen = CaseScreen(pupil_id)
    await pilot.app.push_screen(screen)
    await pilot.pause()
    await settle(pilot, ("case",))
    assert screen.case is not None
    return screen


async def choose_action(pilot: Pilot, words: str) -> None:
    """On a case: `a`, then the action whose name starts with ``words``."""
    await press(pilot, "a")
    assert isinstance(pilot.app.screen, Choice)
    await type_text(pilot, words)
    await press(pilot, "enter")


async def open_caseload(pilot: Pilot) -> CaseloadScreen:
    screen = CaseloadScreen()
    await pilot.app.push_screen(screen)
    await pilot.pause()
    await settle(pilot, ("case",))
    return screen


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (its content may be a Rich table)."""
    out = io.StringIO()
    Console(width=120, file=out).print(widget.content)
    return out.getvalue()


def screen_text(app: TriageApp) -> str:
    """Every Static on the current screen, as plain text."""
    return "\n".join(text_of(s) for s in app.screen.query(Static))


def notifications(app: TriageApp) -> list[str]:
    return [str(n.message) for n in app._notifications]
