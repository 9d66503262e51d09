"""The visits screen and the overdue-return banner, driven through Pilot (issue #19)."""

from __future__ import annotations

from pathlib import Path

from screens.visits_screen import VisitsScreen
from screens.widgets.visit_banner import VisitBanner
from tests.conftest import query
from tests.pilot import Clock, loaded, make_app, press, settle, text_of


async def _visits(pilot) -> VisitsScreen:
    await press(pilot, "V")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, VisitsScreen)
    return screen


async def test_v_on_the_queue_opens_the_day_s_visits_grouped_by_area(demo_db: Path) -> None:
    app = make_app(demo_db, clock=Clock(12, 0))
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        screen = await _visits(pilot)
        assert screen.visits, "the demo morning proposes visits at noon"
        assert screen.day is not None and len(screen.day.rounds) > 1


async def test_starting_a_visit_writes_who_and_when_back(demo_db: Path) -> None:
    app = make_app(demo_db, clock=Clock(12, 0))
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await _visits(pilot)
        await press(pilot, "s")
        await settle(pilot)
    rows = query(demo_db, "SELECT state, started_by FROM visits")
    assert rows == [("started", "officer.one")]


async def test_an_overdue_return_shows_a_banner_until_more_time(demo_db: Path) -> None:
    clock = Clock(12, 0)
    app = make_app(demo_db, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        screen = await _visits(pilot)
        await press(pilot, "s")
        await settle(pilot)
        banner = screen.query_one("#visit-banner", VisitBanner)
        screen.update_banner()
        assert not banner.display
        clock.now = clock.now.replace(hour=13)
        screen.update_banner()
        assert banner.display and "Visit overdue" in text_of(banner)
        await press(pilot, "escape")
        await settle(pilot)
        queue_banner = app.screen.query_one("#visit-banner", VisitBanner)
        app.screen.update_visit_banner()
        assert queue_banner.display  # on the queue too
        await _visits(pilot)
        await press(pilot, "m")
        await press(pilot, "enter")  # 15 minutes more
        await settle(pilot)
        assert not app.screen.query_one("#visit-banner", VisitBanner).display


async def test_p_on_the_queue_plans_a_visit_for_today(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await press(pilot, "p")
        await settle(pilot)
    assert query(demo_db, "SELECT state, officer FROM visits") == [("planned", "officer.one")]
