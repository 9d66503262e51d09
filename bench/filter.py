"""Benchmark (for information, no target): rebuilding the queue of 2,000 as an officer
filters it or hides the resolved rows.

Each of these keys throws the table's rows away and adds them again (`QueueScreen.rebuild`),
so it costs what the number of rows costs. No issue sets a target; the figures show how a
very long queue responds to typing, and catch a change that makes it worse.

    .venv/bin/python bench/filter.py                 # 5 rounds
    .venv/bin/python bench/filter.py --rounds 3

The database is `keystroke.py`'s (2,000 pupils queued on 24 Nov 2026 AM), the app runs
through Pilot at 120x40 on the same fixed 09:30 clock. A timed key is `pilot.press(key)` +
`pilot.pause()` between two `time.perf_counter()` readings. Per round: `/` (untimed), then
`a`, `m`, `e` (each narrows the rows), three `backspace` (each widens them again),
`escape` (the whole queue back) and `h` (hide the resolved: none are, so all 2,000 rows).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import machine, print_table
from keystroke import AT, MORNING, SESSION, SIZE, build_queue_database

from screens.app import TriageApp

QUEUED = 2000
KEYS = ("a", "m", "e", "backspace", "backspace", "backspace", "escape", "h")


async def one_round(db: Path) -> dict[str, list[float]]:
    app = TriageApp(db, MORNING, SESSION, clock=lambda: AT)
    taken: dict[str, list[float]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        for n, key in enumerate(KEYS):
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            taken.setdefault(f"{n + 1}. {key}", []).append(time.perf_counter() - start)
    return taken


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-filter-") as tmp:
        db = build_queue_database(Path(tmp) / "queue.db", QUEUED)
        print(f"filter and hide-resolved keys: {QUEUED:,} queued, {MORNING} {SESSION}, ")
        print(f"  headless {SIZE[0]}x{SIZE[1]}, {args.rounds} rounds")
        print(f"  {machine()}")
        every: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for key, seconds in asyncio.run(one_round(db)).items():
                every.setdefault(key, []).extend(seconds)
    rows = [
        [key, f"{statistics.median(s) * 1000:.0f}", f"{min(s) * 1000:.0f}-{max(s) * 1000:.0f}"]
        for key, s in every.items()
    ]
    print()
    print_table(["key", "median ms", "range ms"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
