"""Benchmark: `triage import marks` against sqlite3's bare `.import --csv` of the same file.

The issue's target: importing a 100,000-row marks export with every row parsed and
validated, pupils created, marks upserted and counts made takes at most 4x as long as the
sqlite3 command-line tool copying the same file, unchecked, into a bare table of text.

    .venv/bin/python bench/import_marks.py                 # 5 repetitions, date order
    .venv/bin/python bench/import_marks.py --rows-order pupil --repeat 9
    .venv/bin/python bench/import_marks.py --check         # exit 1 when the target is missed
    .venv/bin/python bench/import_marks.py --profile       # cProfile one import instead

Each repetition uses new database files in a temporary folder and alternates which
contender goes first. The ratio is the median of the per-repetition ratios of the
in-process import (what `triage import` does after Python has started) to sqlite3.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import pstats
import random
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from common import Samples, fresh_dir, machine, paired_ratio, print_table, run_timed, timed

from triage.imports.importers import ImportReport, import_files
from triage.store import open_store

TARGET = 4.0
HEADER = ["UPN", "Surname", "Forename", "Year", "Reg", "Date", "Session", "Mark", "Mins Late"]
FIRST_DAY = date(2026, 9, 7)  # a Monday: the first week of the autumn term
INSTALL_SQLITE3 = "apt-get install sqlite3"

FORENAMES = (
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Aisha Maryam "
    "Zara Chloe Ella Evie Poppy Ruby Noah Oliver George Arthur Muhammad Leo Harry Oscar "
    "Archie Henry Theo Jack Charlie Jacob Freddie Alfie Finley Ibrahim Yusuf Kacper"
).split()
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Hussain Ahmed Begum "
    "Kowalski Nowak O'Brien Murphy Kelly Lewis Harris Martin Cooper King Lee Ali Shah "
    "Singh Hughes Edwards Turner Baker-Hill"
).split()
CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # the UPN check letter is never I, O or S


# --- the file ---------------------------------------------------------------------------


def school_days(first: date, n: int) -> list[date]:
    days: list[date] = []
    d = first
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def make_pupils(rng: random.Random, n: int) -> list[tuple[str, str, str, str, str]]:
    """(UPN, surname, forename, year, reg) for a secondary school, Years 7-11."""
    pupils = []
    seen: set[str] = set()
    for i in range(n):
        year = 7 + i * 5 // n
        while True:
            # letter, LA number, establishment number, year allocated, serial
            upn = f"{rng.choice(CHECK_LETTERS)}8234012{(2026 - year + 7) % 100:02d}"
            upn += f"{rng.randrange(1000):03d}"
            if upn[1:] not in seen:
                seen.add(upn[1:])
                break
        reg = f"{year}{'ABCDEFGH'[rng.randrange(8)]}"
        pupils.append((upn, rng.choice(SURNAMES), rng.choice(FORENAMES), f"Year {year}", reg))
    return pupils


def session_mark(rng: random.Random, session: str) -> tuple[str, str]:
    """(code, minutes late) for one session that is not part of a day's illness."""
    r = rng.random()
    if r < 0.020:
        return "N", ""
    if r < 0.030:
        return "L", str(rng.randint(1, 40))
    if r < 0.034:
        return "M", ""
    if r < 0.036:
        return "O", ""
    if r < 0.038:
        return "G", ""
    if r < 0.039:
        return "U", str(rng.randint(30, 90))
    return ("/" if session == "AM" else "\\"), ""


def make_rows(seed: int, n_pupils: int, n_days: int, order: str) -> list[list[str]]:
    """A SIMS-like register export: one row per pupil, school day and session.

    The marks drawn do not depend on ``order``: both orders hold the same rows.
    """
    rng = random.Random(seed)
    pupils = make_pupils(rng, n_pupils)
    days = [d.strftime("%d/%m/%Y") for d in school_days(FIRST_DAY, n_days)]
    keyed: list[tuple[tuple[int, int, int], list[str]]] = []
    for p, pupil in enumerate(pupils):
        for d, day in enumerate(days):
            ill = rng.random() < 0.03  # illness takes the whole day
            for s, session in enumerate(("AM", "PM")):
                code, late = ("I", "") if ill else session_mark(rng, session)
                key = (p, d, s) if order == "pupil" else (d, s, p)
                keyed.append((key, [*pupil, day, session, code, late]))
    keyed.sort(key=lambda kr: kr[0])
    return [row for _, row in keyed]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")  # Windows line ends, as SIMS writes
        writer.writerow(HEADER)
        writer.writerows(rows)


# --- the contenders ---------------------------------------------------------------------


def triage_in_process(csv_path: Path, db: Path) -> tuple[float, ImportReport]:
    """What `triage import marks` does once Python and the modules are loaded."""
    store = None

    def run() -> ImportReport:
        nonlocal store
        store = open_store(db)
        return import_files(store, "marks", [csv_path])

    try:
        return timed(run)
    finally:
        if store is not None:
            store.close()


def count_marks(db: Path, table: str = "marks") -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def find_sqlite3() -> str | None:
    return shutil.which("sqlite3") or (
        "/usr/bin/sqlite3" if Path("/usr/bin/sqlite3").exists() else None
    )


def find_triage_cli() -> str | None:
    beside = Path(sys.executable).parent / "triage"
    return str(beside) if beside.exists() else shutil.which("triage")


# --- the run ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="repetitions (default 5)")
    ap.add_argument(
        "--rows-order",
        choices=("date", "pupil"),
        default="date",
        help="date: by date, session, pupil, as a register export (default); pupil: by pupil",
    )
    ap.add_argument("--pupils", type=int, default=1000, help="pupils (default 1000)")
    ap.add_argument("--days", type=int, default=50, help="school days (default 50)")
    ap.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    ap.add_argument("--tmpdir", type=Path, help="where to put the temporary folder")
    ap.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    ap.add_argument("--no-cli", action="store_true", help="skip the whole-process CLI run")
    ap.add_argument(
        "--profile", action="store_true", help="cProfile one in-process import and stop"
    )
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    return args


def profile_once(csv_path: Path, work: Path) -> None:
    profiler = cProfile.Profile()
    store = open_store(work / "profile.db")
    try:
        profiler.runcall(import_files, store, "marks", [csv_path])
    finally:
        store.close()
    for key in ("tottime", "cumulative"):
        print(f"\n--- cProfile, one import, by {key} ---")
        pstats.Stats(profiler).strip_dirs().sort_stats(key).print_stats(15)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sqlite3_cli = find_sqlite3()
    if sqlite3_cli is None and not args.profile:
        print("bench/import_marks.py: no sqlite3 command-line tool to compare against.")
        print(f"Install it (Debian/Ubuntu: `sudo {INSTALL_SQLITE3}`) and run this again.")
        return 0
    triage_cli = None if args.no_cli else find_triage_cli()

    rows = make_rows(args.seed, args.pupils, args.days, args.rows_order)
    n = len(rows)
    with tempfile.TemporaryDirectory(prefix="bench-import-marks-", dir=args.tmpdir) as tmp:
        work = Path(tmp)
        csv_path = work / f"marks-{n}-by-{args.rows_order}.csv"
        write_csv(csv_path, rows)
        del rows
        size_mb = csv_path.stat().st_size / 1e6
        print(f"import marks: {n:,} rows ({args.pupils} pupils x {args.days} days x AM/PM),")
        runs = "cProfile of one import" if args.profile else f"{args.repeat} repetitions"
        print(f"  ordered by {args.rows_order}, {size_mb:.1f} MB, {runs}")
        print(f"  {machine(sqlite3_cli)}")
        if args.profile:
            profile_once(csv_path, work)
            return 0

        triage = Samples("triage import marks (in-process)")
        bare = Samples("sqlite3 .import --csv (bare table)")
        cli = Samples("triage CLI (process, includes Python start-up)")
        again = Samples("triage re-import, nothing changed (in-process)")

        for rep in range(args.repeat):
            folder = fresh_dir(work, f"rep{rep}")
            triage_db = folder / "triage.db"

            def run_triage(db: Path = triage_db) -> None:
                seconds, report = triage_in_process(csv_path, db)
                if report.counts["marks_new"] != n:
                    raise RuntimeError(f"triage imported {report.counts['marks_new']} of {n}")
                triage.seconds.append(seconds)

            def run_bare(db: Path = folder / "bare.db") -> None:
                bare.seconds.append(
                    run_timed([sqlite3_cli, str(db), f'.import --csv "{csv_path}" marks'])
                )
                if count_marks(db) != n:
                    raise RuntimeError("sqlite3 .import did not load every row")

            def run_cli(db: Path = folder / "cli.db") -> None:
                cli.seconds.append(
                    run_timed([triage_cli, "import", "marks", str(csv_path), "--db", str(db)])
                )
                if count_marks(db) != n:
                    raise RuntimeError("the triage CLI did not import every row")

            steps: list[Callable[[], None]] = [run_triage, run_bare]
            if triage_cli:
                steps.append(run_cli)
            if rep % 2:
                steps.reverse()  # alternate who goes first
            for step in steps:
                step()

            seconds, report = triage_in_process(csv_path, triage_db)
            if report.counts["marks_unchanged"] != n:
                raise RuntimeError(f"re-import changed something: {dict(report.counts)}")
            again.seconds.append(seconds)

            line = f"  rep {rep + 1}: triage {triage.seconds[-1]:.3f}s"
            line += f", sqlite3 {bare.seconds[-1]:.3f}s"
            if triage_cli:
                line += f", CLI {cli.seconds[-1]:.3f}s"
            print(f"{line}, re-import {again.seconds[-1]:.3f}s")
            shutil.rmtree(folder)

    print()
    ratio = paired_ratio(triage, bare)
    table: list[list[str]] = []
    for s in (bare, triage, cli, again):
        if not s.seconds:
            continue
        vs = "1.00x" if s is bare else f"{paired_ratio(s, bare):.2f}x"
        table.append([s.label, f"{s.median:.3f}", s.spread, f"{n / s.median:,.0f}", vs])
    print_table(["contender", "median s", "range s", "rows/s", "vs .import"], table)
    print()
    if triage_cli:
        print(f"CLI ratio {paired_ratio(cli, bare):.2f}x (for information; not the target)")
    passed = ratio <= TARGET
    print(f"ratio {ratio:.2f}x (target <= {TARGET:g}x): {'PASS' if passed else 'FAIL'}")
    return 1 if args.check and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
