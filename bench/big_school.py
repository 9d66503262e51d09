"""A large database for the benchmarks: 2,000 pupils' full school year, built once and cached.

The demo generator (:mod:`triage.demo`) writes only 35 school days of marks, so this module
takes the demo's pupils and contacts (``write_demo_files``, the same for the same pupils)
and writes its own marks for a whole school year, deterministically (``random.Random``):

* the school year 2025-26 from Monday 1 September 2025, weekdays only, skipping the
  October half-term (27-31 Oct), Christmas (22 Dec-2 Jan), the February half-term
  (16-20 Feb), Easter (30 Mar-10 Apr) and the May half-term (25-29 May): 190 school days,
  the last of them ``ON`` (Friday 10 July 2026), both sessions every day: 2,000 x 190 x 2
  = 760,000 marks, imported with :func:`triage.imports.importers.import_files` like an export;
* about 94% present (``/`` AM, ``\\`` PM, ``L`` 1-20 minutes late now and then); absences
  are mostly illness ``I`` and appointments ``M``, with some ``O``, ``G``, ``U``, ``C`` and
  ``N``; about 9% of pupils miss 10-20% (persistent absence) and about 1% over 50%
  (severe); whole days more often than single sessions;
* on ``ON``: about 1.75% of pupils ``N`` in the morning (queued), half of them ``N`` in the
  afternoon too; a dozen pupils with an older ``N`` never recoded;
* attempts: about 20 a school day across the year (``log_attempt``, two officers, calls,
  texts and emails on that day's absences, ``at`` on the day), and on ``ON`` attempts on
  the queued pupils, some with a reason (which recodes the mark);
* the case pupil (the middle one, by UPN, of the persistent absentees, and queued on
  ``ON`` morning): 380 marks and 200 timeline entries (attempts on their absences and 30
  notes).

:func:`big_school` returns the path of the cached file, building it first when the cache
(a folder in the temporary directory, one file per set of parameters) does not hold it.
Callers copy it before using it.
"""

from __future__ import annotations

import cProfile
import csv
import io
import os
import pstats
import random
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from triage.demo import DEMO_SCHOOL_NAME, MARKS_HEADER, write_demo_files
from triage.imports.importers import import_files
from triage.morning.logbook import add_note, log_attempt
from triage.store import open_store

VERSION = 2  # bump when the database changes shape: it names the cache file
FIRST_DAY = date(2025, 9, 1)
HOLIDAYS = (
    (date(2025, 10, 27), date(2025, 10, 31)),
    (date(2025, 12, 22), date(2026, 1, 2)),
    (date(2026, 2, 16), date(2026, 2, 20)),
    (date(2026, 3, 30), date(2026, 4, 10)),
    (date(2026, 5, 25), date(2026, 5, 29)),
)
SCHOOL_DAYS = 190
ATTEMPTS_PER_DAY = 20
CASE_TIMELINE = 200
CASE_NOTES = 30
OFFICERS = ("jsmith", "akhan")

# Absence codes and their weights (one draw per absent day or session).
ABSENCE = (
    ("I", 50),
    ("M", 18),
    ("O", 9),
    ("G", 7),
    ("U", 3),
    ("C", 6),
    ("N", 2),
    ("V", 2),
    ("P", 3),
)


def school_days(count: int = SCHOOL_DAYS) -> list[date]:
    days: list[date] = []
    day = FIRST_DAY
    while len(days) < count:
        closed = any(a <= day <= b for a, b in HOLIDAYS)
        if day.weekday() < 5 and not closed:
            days.append(day)
        day += timedelta(days=1)
    return days


ON = school_days()[-1]


@dataclass(frozen=True)
class BigSchool:
    path: Path
    on: date
    pupils: int
    marks: int
    case_pupil_id: int
    case_upn: str
    queued_am: int


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in table)
    r = rng.randrange(total)
    for code, w in table:
        if r < w:
            return code
        r -= w
    raise AssertionError


def _roll(pupils_csv: Path, out: Path) -> list[list[str]]:
    """Read the demo's pupils (UPN, surname, forename, year, reg) and write them back with
    no leavers, so every pupil is on roll for the whole year."""
    with pupils_csv.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    left = header.index("Date Left")
    for row in body:
        row[left] = ""
    with out.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *body])
    return [[r[0], r[2], r[4] or r[3], r[5], r[6]] for r in body]


def _write_marks(path: Path, roll: list[list[str]], days: list[date], seed: int):
    """The year's marks CSV, in date, session, pupil order (a register export's order).
    Returns (rows, the case pupil's UPN, the queued UPNs, the absent UPNs of each day)."""
    rng = random.Random(seed)
    profile: dict[str, str] = {}
    rate: dict[str, float] = {}
    for upn, *_ in roll:
        r = rng.random()
        if r < 0.01:
            profile[upn], rate[upn] = "severe", rng.uniform(0.5, 0.7)
        elif r < 0.10:
            profile[upn], rate[upn] = "persistent", rng.uniform(0.11, 0.2)
        else:
            profile[upn], rate[upn] = "normal", rng.uniform(0.0, 0.08)
    queue = set(rng.sample([u for u, *_ in roll], max(1, round(len(roll) * 0.0175))))
    persistent = sorted(u for u, kind in profile.items() if kind == "persistent")
    case_upn = persistent[len(persistent) // 2]
    queue.add(case_upn)  # in the morning's queue, so the queue's detail panel can open
    queue_pm = set(sorted(queue)[: len(queue) // 2])
    stale = {u: rng.randrange(20, len(days) - 10) for u in rng.sample(sorted(rate), 12)}
    absences: dict[date, list[str]] = {d: [] for d in days}
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(MARKS_HEADER)
        for i, day in enumerate(days):
            dmy = f"{day:%d/%m/%Y}"
            last = day == days[-1]
            codes: dict[str, tuple[str, str]] = {}
            for upn, *_ in roll:
                am, pm = "/", "\\"
                p = rate[upn]
                r = rng.random()
                if r < p * 0.8:  # a whole day off
                    am = pm = _pick(rng, ABSENCE)
                elif r < p:  # one session
                    if rng.random() < 0.5:
                        am = _pick(rng, ABSENCE)
                    else:
                        pm = _pick(rng, ABSENCE)
                if last:
                    am = "N" if upn in queue else ("/" if am == "N" else am)
                    pm = "N" if upn in queue_pm else ("\\" if pm == "N" else pm)
                elif am == "N" or pm == "N":
                    # Past Ns have been recoded, but for the stale few.
                    am, pm = ("O" if am == "N" else am), ("O" if pm == "N" else pm)
                if stale.get(upn) == i:
                    am = "N"
                if am not in "/\\" or pm not in "/\\":
                    absences[day].append(upn)
                codes[upn] = (am, pm)
            for session, index in (("AM", 0), ("PM", 1)):
                for upn, surname, forename, year, reg in roll:
                    code = codes[upn][index]
                    minutes = ""
                    if code in "/\\" and rng.random() < 0.02:
                        code, minutes = "L", str(rng.randint(1, 20))
                    w.writerow([upn, surname, forename, year, reg, dmy, session, code, minutes])
                    count += 1
    return count, case_upn, queue, absences


def _build(path: Path, pupils: int, seed: int) -> BigSchool:
    days = school_days()
    on = days[-1]
    with tempfile.TemporaryDirectory(prefix="bench-big-school-") as tmp:
        folder = Path(tmp)
        demo = write_demo_files(folder / "demo", on, seed=seed, pupils=pupils)
        pupils_csv = folder / "pupils.csv"
        roll = _roll(demo.pupils, pupils_csv)
        marks_csv = folder / "marks.csv"
        count, case_upn, queue, absences = _write_marks(marks_csv, roll, days, seed)
        with open_store(path, officer=OFFICERS[0]) as store:
            store.set_setting("school_name", DEMO_SCHOOL_NAME)
            import_files(store, "pupils", [pupils_csv])
            import_files(store, "contacts", [demo.contacts])
            import_files(store, "marks", [marks_csv])
    rng = random.Random(seed + 1)
    stores = [open_store(path, create=False, officer=o) for o in OFFICERS]
    try:
        ids = dict(stores[0].conn.execute("SELECT upn, id FROM pupils"))
        case_id = ids[case_upn]
        plain = (("call", "no_answer"), ("call", "voicemail"), ("call", "spoke_no_reason"),
                 ("text", "text_sent"), ("email", "email_sent"))  # fmt: skip
        # A year of first-day calling: about 20 attempts a school day before ON.
        for day in days[:-1]:
            absent = absences[day]
            for k in range(min(ATTEMPTS_PER_DAY, len(absent))):
                upn = absent[rng.randrange(len(absent))]
                channel, key = plain[rng.randrange(len(plain))]
                at = datetime.combine(day, time(8, 45)) + timedelta(minutes=7 * k)
                log_attempt(stores[k % 2], [ids[upn]], day, "AM", channel, key, at=at)
        # ON: the queued pupils, some of them given a reason.
        for k, upn in enumerate(sorted(queue)):
            at = datetime.combine(on, time(9, 5)) + timedelta(minutes=4 * k)
            store = stores[k % 2]
            log_attempt(store, [ids[upn]], on, "AM", "call", "no_answer", at=at)
            if k % 3 == 0:
                later = at + timedelta(minutes=90)
                log_attempt(
                    store, [ids[upn]], on, "AM", "call", "spoke_reason", reason_code="I", at=later
                )
        # The case pupil: 200 timeline entries over the year.
        have = (
            stores[0]
            .conn.execute("SELECT COUNT(*) FROM attempts WHERE pupil_id = ?", (case_id,))
            .fetchone()[0]
        )
        theirs = [d for d in days[:-1] if case_upn in absences[d]]
        for k in range(CASE_TIMELINE - CASE_NOTES - have):
            day = theirs[k % len(theirs)]
            channel, key = plain[k % len(plain)]
            at = datetime.combine(day, time(10, 0)) + timedelta(minutes=k % 300)
            log_attempt(stores[k % 2], [case_id], day, "AM", channel, key, at=at)
        for k in range(CASE_NOTES):
            at = datetime.combine(days[k * 6], time(15, 30))
            add_note(stores[k % 2], case_id, f"Bench note {k + 1}: spoke to the form tutor.", at=at)
        queued_am = (
            stores[0]
            .conn.execute(
                "SELECT COUNT(*) FROM marks WHERE date = ? AND session = 'AM' AND queued = 1",
                (on.isoformat(),),
            )
            .fetchone()[0]
        )
    finally:
        for store in stores:
            store.close()
    return BigSchool(path, on, len(roll), count, case_id, case_upn, queued_am)


def big_school(pupils: int = 2000, seed: int = 2026, cache: Path | None = None) -> BigSchool:
    """The cached big database for these parameters, built first if it is not there."""
    folder = cache or Path(tempfile.gettempdir()) / f"attendance-triage-bench-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"big-school-v{VERSION}-{pupils}p-{SCHOOL_DAYS}d-{seed}.db"
    meta = path.with_suffix(".txt")
    if path.exists() and meta.exists():
        case_id, case_upn, marks, queued = meta.read_text().split()
        return BigSchool(path, ON, pupils, int(marks), int(case_id), case_upn, int(queued))
    partial = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    built = _build(partial, pupils, seed)
    with open_store(partial, create=False) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(partial, path)
    meta.write_text(f"{built.case_pupil_id} {built.case_upn} {built.marks} {built.queued_am}\n")
    os.chmod(path, 0o600)
    return BigSchool(
        path, ON, pupils, built.marks, built.case_pupil_id, built.case_upn, built.queued_am
    )


def copy_of(school: BigSchool, folder: Path, name: str = "triage.db") -> Path:
    """A fresh copy of the big database (0600, as the app expects) in ``folder``."""
    path = folder / name
    shutil.copyfile(school.path, path)
    path.chmod(0o600)
    return path


def print_profile(title: str, profiler: cProfile.Profile, lines: int = 20) -> None:
    """The app's own functions by cumulative time, then everything by own time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"/(triage|screens)/", lines)
    stats.sort_stats("tottime").print_stats(lines)
    text = out.getvalue().replace(str(Path(__file__).resolve().parent.parent) + "/", "")
    print(f"\n=== {title} ===")
    print(text)


if __name__ == "__main__":
    import time as _time

    t0 = _time.perf_counter()
    print(big_school(), f"{_time.perf_counter() - t0:.1f}s")
