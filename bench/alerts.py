"""Benchmark: `triage alerts` over 2,000 pupils' full school year (760,000 marks).

The issue's target: `triage alerts` takes at most 3x the time of the single SQL aggregate
that counts each pupil's sessions by category (present, authorised, unauthorised,
possible) over the school year, in the same run.

    .venv/bin/python bench/alerts.py                # 5 repetitions
    .venv/bin/python bench/alerts.py --repeat 9
    .venv/bin/python bench/alerts.py --check        # exit 1 when the target is missed
    .venv/bin/python bench/alerts.py --profile      # cProfile one `triage alerts`, no timing

The database is :mod:`big_school`'s (built once, cached in the temporary folder); every
repetition copies it to a new file. In-process, `triage alerts` is what the command runs
once its store is open: ``case_cli._alerts`` (``alerts_for``, the pupils' names, the text
table) with its output captured. Each in-process contender opens its own connection (not
timed); their order alternates between repetitions. The command as a process (Python
start-up included) is timed too, for information.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
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
    run_timed,
    timed,
)

from triage import rules
from triage.casework import alerts
from triage.cli import case as case_cli
from triage.codes import ATTENDING_CODES, AUTHORISED_CODES, POSSIBLE_CODES, UNAUTHORISED_CODES
from triage.store import Store, open_store

TARGET_RATIO = 3.0
TRIAGE = Path(sys.executable).parent / "triage"


def _in(codes: frozenset[str]) -> str:
    return ",".join("'" + c.replace("'", "''") + "'" for c in sorted(codes))


def yardstick(store: Store, on: date) -> dict[int, tuple[int, int, int, int]]:
    """The one aggregate: each pupil's sessions this school year by category."""
    return {
        pid: counts
        for pid, *counts in store.conn.execute(
            f"SELECT pupil_id, SUM(code IN ({_in(ATTENDING_CODES)})),"
            f" SUM(code IN ({_in(AUTHORISED_CODES)})), SUM(code IN ({_in(UNAUTHORISED_CODES)})),"
            f" SUM(code IN ({_in(POSSIBLE_CODES)})) FROM marks WHERE date BETWEEN ? AND ?"
            " GROUP BY pupil_id",
            (rules.school_year_start(on).isoformat(), on.isoformat()),
        )
    }


def triage_alerts(store: Store, on: date) -> str:
    """`triage alerts --date ON` once the store is open, its output captured."""
    args = argparse.Namespace(date=on, open=False, alerts_format="text")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        case_cli._alerts(store, args)
    return out.getvalue()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    return parse_bench_args(bench_parser(__doc__, 5, 2000, "cProfile one run and stop"), argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    school: BigSchool = big_school(args.pupils)
    on = school.on
    print(f"triage alerts: {school.pupils:,} pupils, {school.marks:,} marks, on {on:%a %d %b %Y}")
    print(f"  {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-alerts-", dir=args.tmpdir) as tmp:
        work = Path(tmp)
        if args.profile:
            with open_store(copy_of(school, work), create=False) as store:
                profiler = cProfile.Profile()
                profiler.runcall(triage_alerts, store, on)
            print_profile("triage alerts, in-process (one call)", profiler)
            return 0
        with open_store(copy_of(school, work, "warm.db"), create=False) as store:
            found = alerts.alerts_for(store, on)  # warms imports and caches
            text = triage_alerts(store, on)
            pupils = len(yardstick(store, on))
        kinds: dict[str, int] = {}
        for a in found:
            kinds[a.kind] = kinds.get(a.kind, 0) + 1
        print(f"  {len(found)} alerts ({kinds}) for {pupils} pupils; {len(text):,} chars")
        cli = Samples("triage alerts (process, includes start-up)")
        app_t = Samples("triage alerts (in-process)")
        fn_t = Samples("alerts_for(store, on) alone")
        sql_t = Samples("SQL aggregate by pupil and category")
        for r in range(args.repeat):
            folder = fresh_dir(work, f"rep{r}")
            db = copy_of(school, folder)

            def run(samples: Samples, fn, db: Path = db) -> None:
                with open_store(db, create=False) as store:
                    gc.collect()
                    seconds, _ = timed(lambda: fn(store, on))
                samples.seconds.append(seconds)

            steps = [
                lambda: run(app_t, triage_alerts),
                lambda: run(sql_t, yardstick),
                lambda: run(fn_t, alerts.alerts_for),
            ]
            for step in steps if r % 2 == 0 else steps[::-1]:
                step()
            cmd = [str(TRIAGE), "alerts", "--date", on.isoformat(), "--db", str(db)]
            cli.seconds.append(run_timed(cmd))
            print(
                f"  repetition {r + 1}: triage alerts {app_t.seconds[-1]:.3f}s,"
                f" alerts_for {fn_t.seconds[-1]:.3f}s, SQL {sql_t.seconds[-1]:.3f}s,"
                f" process {cli.seconds[-1]:.3f}s"
            )
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    return report(args, app_t, fn_t, cli, sql_t)


def report(args, app_t: Samples, fn_t: Samples, cli: Samples, sql_t: Samples) -> int:
    ratio = paired_ratio(app_t, sql_t)
    rows = [[sql_t.label, f"{sql_t.median:.3f}", sql_t.spread, "1.00x"]]
    rows += [
        [s.label, f"{s.median:.3f}", s.spread, f"{paired_ratio(s, sql_t):.2f}x"]
        for s in (app_t, fn_t, cli)
    ]
    print()
    print_table(["contender", "median s", "range s", "vs SQL"], rows)
    print()
    ok = ratio <= TARGET_RATIO
    print(f"process ratio {paired_ratio(cli, sql_t):.2f}x (for information; not the target)")
    print(f"ratio {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'PASS' if ok else 'FAIL'}")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
