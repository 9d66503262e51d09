"""Benchmark: the end-of-day summary over 2,000 pupils' full school year.

The issue's target: ``day_summary(store, on)`` over a database holding 2,000 pupils' full
school year (760,000 marks and a year of attempts) takes at most 3x the time of the
single SQL query that counts the day's attempts by outcome plus the one that computes the
term's attendance %, run in the same process; and under a second on this machine.

    .venv/bin/python bench/summary.py               # 5 repetitions
    .venv/bin/python bench/summary.py --repeat 9
    .venv/bin/python bench/summary.py --check       # exit 1 when a target is missed
    .venv/bin/python bench/summary.py --profile     # cProfile one summary, no timing

The database is :mod:`big_school`'s (built once, cached in the temporary folder). Every
repetition copies it to a new file; each contender then opens its own connection (not
timed) and runs, in an order that alternates between repetitions.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import sys
import tempfile
from datetime import date
from pathlib import Path

from big_school import BigSchool, big_school, copy_of, print_profile
from common import (
    Samples,
    bench_parser,
    fresh_dir,
    machine,
    paired_ratio,
    parse_bench_args,
    print_table,
    timed,
)

from triage import rules
from triage.reports.summary import day_summary
from triage.store import Store, open_store
from triage.store.reports import ATTENDING_SQL, POSSIBLE_SQL

TARGET_RATIO = 3.0
TARGET_SECONDS = 1.0


def yardstick(store: Store, on: date) -> tuple[dict[str, int], float | None]:
    """The two queries the target is measured against."""
    iso = on.isoformat()
    by_outcome = dict(
        store.conn.execute(
            "SELECT outcome, COUNT(*) FROM attempts WHERE date = ? AND undone_event_id IS NULL"
            " GROUP BY outcome",
            (iso,),
        ).fetchall()
    )
    att, poss = store.conn.execute(
        f"SELECT SUM({ATTENDING_SQL}), SUM({POSSIBLE_SQL}) FROM marks WHERE date BETWEEN ? AND ?",
        (rules.term_start(on).isoformat(), iso),
    ).fetchone()
    return by_outcome, (None if not poss else round(100.0 * att / poss, 1))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    return parse_bench_args(bench_parser(__doc__, 5, 2000, "cProfile one summary and stop"), argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    school: BigSchool = big_school(args.pupils)
    on = school.on
    print(
        f"day summary: {school.pupils:,} pupils, {school.marks:,} marks, a year of attempts,"
        f" on {on:%a %d %b %Y}"
    )
    print(f"  {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-summary-", dir=args.tmpdir) as tmp:
        work = Path(tmp)
        if args.profile:
            with open_store(copy_of(school, work), create=False) as store:
                profiler = cProfile.Profile()
                profiler.runcall(day_summary, store, on)
            print_profile("day_summary (one call)", profiler)
            return 0
        with open_store(copy_of(school, work, "warm.db"), create=False) as store:
            summary = day_summary(store, on)  # warms imports and caches
            _, term_pct = yardstick(store, on)
        if summary.attendance_term != term_pct:
            raise RuntimeError(f"term % {summary.attendance_term} != the query's {term_pct}")
        print(
            f"  the summary: {sum(summary.queued.values())} queued,"
            f" {sum(summary.attempts_by_channel.values())} attempts,"
            f" {len(summary.unexplained)} unexplained, term {summary.attendance_term}%,"
            f" {len(summary.full_attendance)} full attendance"
        )
        app_t, sql_t = Samples("day_summary(store, on)"), Samples("two SQL queries")
        for r in range(args.repeat):
            folder = fresh_dir(work, f"rep{r}")
            db = copy_of(school, folder)

            def run_app(db: Path = db) -> None:
                with open_store(db, create=False) as store:
                    gc.collect()
                    seconds, result = timed(lambda: day_summary(store, on))
                assert result.attendance_term == term_pct
                app_t.seconds.append(seconds)

            def run_sql(db: Path = db) -> None:
                with open_store(db, create=False) as store:
                    gc.collect()
                    seconds, (_, pct) = timed(lambda: yardstick(store, on))
                assert pct == term_pct
                sql_t.seconds.append(seconds)

            for step in (run_app, run_sql) if r % 2 == 0 else (run_sql, run_app):
                step()
            print(
                f"  repetition {r + 1}: summary {app_t.seconds[-1]:.3f}s,"
                f" queries {sql_t.seconds[-1]:.3f}s"
            )
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    return report(args, app_t, sql_t)


def report(args: argparse.Namespace, app_t: Samples, sql_t: Samples) -> int:
    ratio = paired_ratio(app_t, sql_t)
    rows = [
        [sql_t.label, f"{sql_t.median:.3f}", sql_t.spread, "1.00x"],
        [app_t.label, f"{app_t.median:.3f}", app_t.spread, f"{ratio:.2f}x"],
    ]
    print()
    print_table(["contender", "median s", "range s", "vs SQL"], rows)
    print()
    ok_ratio = ratio <= TARGET_RATIO
    ok_abs = app_t.median < TARGET_SECONDS
    print(f"ratio {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'PASS' if ok_ratio else 'FAIL'}")
    print(
        f"summary {app_t.median:.3f}s (target < {TARGET_SECONDS:g}s):"
        f" {'PASS' if ok_abs else 'FAIL'}"
    )
    return 1 if args.check and not (ok_ratio and ok_abs) else 0


if __name__ == "__main__":
    sys.exit(main())
