"""Benchmark: several officers logging call outcomes into one database file at once.

The issue's target: 4 writer processes, each logging 1,000 outcomes through the app's own
``log_attempt`` (one ``BEGIN IMMEDIATE`` transaction and one audit event per outcome),
reach at least 70% of the throughput of 1 process logging the same 4,000 outcomes alone,
in the same run, and no lock error reaches an officer.

    .venv/bin/python bench/concurrency.py               # 3 repetitions
    .venv/bin/python bench/concurrency.py --repeat 5
    .venv/bin/python bench/concurrency.py --check       # exit 1 when the target is missed
    .venv/bin/python bench/concurrency.py --profile     # where a transaction's time goes

One demo database (1,000 pupils) is built once, 400 pupils are marked N on the morning of
2026-11-24, and every contender gets a fresh copy of it. Each writer is a separate
process (multiprocessing, spawn) that opens its own store as its own officer, loads its
pupils' contacts, then waits at a barrier; all start together and the time runs from the
barrier to the last writer's last commit. Each repetition alternates the contenders' order.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from common import Samples, fresh_dir, machine, paired_ratio, print_table

TARGET = 0.70  # 4 writers' throughput over 1 writer's, doing the same 4,000 outcomes
ON = date(2026, 11, 24)
SESSION = "AM"
PUPILS = 1000
QUEUED = 400  # pupils marked N that morning: what the officers log against
# (outcome, reason code): every 4th outcome is a reason given, which recodes the mark.
CYCLE: tuple[tuple[str, str | None], ...] = (
    ("no_answer", None),
    ("voicemail", None),
    ("spoke_no_reason", None),
    ("spoke_reason", "I"),
)
BARRIER_TIMEOUT = 300.0
LONG_WAIT = 0.050  # --profile counts waits for the write lock longer than this (seconds)


@dataclass(frozen=True)
class Contender:
    writers: int
    each: int

    @property
    def total(self) -> int:
        return self.writers * self.each

    @property
    def label(self) -> str:
        return f"{self.writers} writer{'s' if self.writers > 1 else ''} x {self.each:,}"


CONTENDERS = (
    Contender(1, 4000),  # the yardstick
    Contender(2, 2000),
    Contender(4, 1000),  # the target compares this one with the yardstick
    Contender(2, 1000),
)


@dataclass
class WriterResult:
    officer: str
    logged: int = 0
    start: float = 0.0  # time.perf_counter(): CLOCK_MONOTONIC, the same clock in every process
    end: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds per log_attempt call
    errors: Counter[str] = field(default_factory=Counter)
    # --profile only: (BEGIN called, BEGIN returned, COMMIT called, COMMIT returned)
    spans: list[tuple[float, float, float, float]] = field(default_factory=list)
    busy_retries: int = 0
    failed: str | None = None  # the writer could not start (not an outcome error)


# --- the database -----------------------------------------------------------------------


def build_base(path: Path) -> list[int]:
    """The demo school with QUEUED pupils marked N on the morning: returns their ids."""
    from triage.demo_school import build_demo_database

    build_demo_database(path, ON, pupils=PUPILS)
    conn = sqlite3.connect(path)
    try:
        ids = [
            pid
            for (pid,) in conn.execute(
                "SELECT pupil_id FROM marks WHERE date = ? AND session = ?"
                " ORDER BY pupil_id LIMIT ?",
                (ON.isoformat(), SESSION, QUEUED),
            )
        ]
        if len(ids) < QUEUED:
            raise RuntimeError(f"only {len(ids)} pupils have a mark on {ON} {SESSION}")
        with conn:
            conn.execute(
                "UPDATE marks SET code = 'N', mis_code = 'N', queued = 1"
                f" WHERE date = ? AND session = ? AND pupil_id IN ({','.join('?' * len(ids))})",
                (ON.isoformat(), SESSION, *ids),
            )
        if conn.execute("SELECT count(*) FROM attempts").fetchone()[0]:
            raise RuntimeError("the demo database already holds attempts")
    finally:
        conn.close()  # the last connection: checkpoints and removes the -wal file
    if Path(f"{path}-wal").exists():
        raise RuntimeError(f"{path}-wal is still there: copies of {path} would be stale")
    return ids


def counts(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    try:
        return {
            "attempts": conn.execute("SELECT count(*) FROM attempts").fetchone()[0],
            "attempt_events": conn.execute(
                "SELECT count(*) FROM events WHERE action = 'attempt'"
            ).fetchone()[0],
            "per_officer": dict(
                conn.execute("SELECT officer, count(*) FROM attempts GROUP BY officer")
            ),
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
        }
    finally:
        conn.close()


# --- one writer (a process of its own) --------------------------------------------------


class _TimedConn:
    """--profile only: stands in for ``store.conn`` and notes, for every transaction, when
    BEGIN IMMEDIATE was called and returned (the wait for the write lock) and when COMMIT
    was called and returned (the WAL write and its fsync); counts the busy errors that
    make ``Store.transaction`` retry. Every other call goes straight to the connection."""

    def __init__(self, conn: sqlite3.Connection, result: WriterResult) -> None:
        self._conn = conn
        self._result = result
        self._first_try: float | None = None  # a BEGIN that failed busy is tried again
        self._begin: tuple[float, float] = (0.0, 0.0)

    def execute(self, sql: str, *args: Any) -> Any:
        if sql not in ("BEGIN IMMEDIATE", "COMMIT"):
            return self._conn.execute(sql, *args)
        start = time.perf_counter()
        if sql == "COMMIT":
            cur = self._conn.execute(sql, *args)
            self._result.spans.append((*self._begin, start, time.perf_counter()))
            return cur
        if self._first_try is None:
            self._first_try = start
        try:
            cur = self._conn.execute(sql, *args)
        except sqlite3.OperationalError:
            self._result.busy_retries += 1
            raise
        self._begin = (self._first_try, time.perf_counter())
        self._first_try = None
        return cur

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def writer(
    db: str,
    officer: str,
    pupil_ids: list[int],
    count: int,
    barrier: Any,
    results: Any,
    profile: bool,
) -> None:
    """Open a store as ``officer``, wait for the others, then log ``count`` outcomes
    cycling over ``pupil_ids``, as the queue screen does: one log_attempt per outcome."""
    result = WriterResult(officer)
    try:
        from triage.morning.logbook import log_attempt
        from triage.store import open_store

        store = open_store(db, create=False, officer=officer)
        contacts = store.contacts_by_pupil(pupil_ids)
        if profile:
            store.conn = _TimedConn(store.conn, result)  # type: ignore[assignment]
        plan = []
        for k in range(count):
            pid = pupil_ids[k % len(pupil_ids)]
            key, reason = CYCLE[k % len(CYCLE)]
            plan.append((pid, key, reason, (contacts.get(pid) or [None])[0]))
    except BaseException:
        result.failed = traceback.format_exc()
        barrier.abort()
        results.put(result)
        return
    try:
        barrier.wait(BARRIER_TIMEOUT)
    except BaseException:
        result.failed = "the start barrier broke (another writer failed, or a timeout)"
        store.close()
        results.put(result)
        return
    now = time.perf_counter
    result.start = now()
    for pid, key, reason, contact in plan:
        t = now()
        try:
            log_attempt(store, [pid], ON, SESSION, "call", key, contact, reason_code=reason)
            result.logged += 1
        except Exception as exc:  # every error counts; the target allows none
            result.errors[f"{type(exc).__name__}: {exc}"] += 1
        result.latencies.append(now() - t)
    result.end = now()
    store.close()
    results.put(result)


# --- one run ----------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float  # from the start to the last writer's last commit
    logged: int
    errors: Counter[str]
    latencies: list[float]
    profile: dict[str, float]  # --profile only: see lock_profile


def lock_profile(done: list[WriterResult], outcomes: int) -> dict[str, float]:
    """Where one run's time went, from the writers' transaction spans (--profile)."""
    t0 = min(r.start for r in done)
    spans = sorted(s for r in done for s in r.spans)
    waits = [b1 - b0 for b0, b1, _, _ in spans]
    held = sorted((b1, c1) for _, b1, _, c1 in spans)  # the write lock is held
    idle, gaps, edge = 0.0, [0.0], t0
    for a, b in held:
        if a > edge:
            idle += a - edge
            gaps.append(a - edge)
        edge = max(edge, b)
    # Handoffs: a transaction by another officer than the one before it.
    owners = [o for _, o in sorted((s[1], r.officer) for r in done for s in r.spans)]
    per = 1000 / outcomes
    return {
        "wait_ms": sum(waits) * per,
        "commit_ms": sum(c1 - c0 for _, _, c0, c1 in spans) * per,
        "held_ms": sum(c1 - b1 for _, b1, _, c1 in spans) * per,
        "longest_wait_ms": max(waits) * 1000,
        "long_waits": sum(w > LONG_WAIT for w in waits),
        "busy_retries": sum(r.busy_retries for r in done),
        "handoffs": sum(a != b for a, b in zip(owners[:-1], owners[1:], strict=True)),
        "idle_s": idle,
        "longest_gap_ms": max(gaps) * 1000,
        "first_done_s": min(r.end for r in done) - t0,
        "last_done_s": max(r.end for r in done) - t0,
    }


def run_contender(
    ctx: Any, c: Contender, base: Path, folder: Path, queued: list[int], profile: bool
) -> Run:
    db = folder / f"w{c.writers}x{c.each}.db"
    shutil.copyfile(base, db)
    barrier = ctx.Barrier(c.writers)  # the writers start together once all are ready
    results = ctx.Queue()
    procs = []
    for i in range(c.writers):
        share = queued[i :: c.writers]  # each officer works their own part of the queue
        args = (str(db), f"officer.{i + 1}", share, c.each, barrier, results, profile)
        procs.append(ctx.Process(target=writer, args=args, daemon=True))
    for p in procs:
        p.start()
    done: list[WriterResult] = []
    while len(done) < len(procs):
        try:
            done.append(results.get(timeout=1.0))
        except queue.Empty:
            if not any(p.is_alive() for p in procs) and results.empty():
                codes = [p.exitcode for p in procs]
                raise RuntimeError(f"{c.label}: writers exited {codes} without a result") from None
    for p in procs:
        p.join()
    failed = sorted({r.failed for r in done if r.failed}, key=len, reverse=True)
    if failed:
        raise RuntimeError(f"{c.label}: a writer did not start:\n{failed[0]}")

    logged = sum(r.logged for r in done)
    errors: Counter[str] = Counter()
    for r in done:
        errors.update(r.errors)
    # Everything logged is there once, with its audit event, and the file is sound.
    found = counts(db)
    problems = []
    if found["attempts"] != logged:
        problems.append(f"{found['attempts']} attempts stored, {logged} logged")
    if found["attempt_events"] != logged:
        problems.append(f"{found['attempt_events']} attempt events, {logged} logged")
    expected = {r.officer: r.logged for r in done if r.logged}
    if found["per_officer"] != expected:
        problems.append(f"per officer {found['per_officer']}, logged {expected}")
    if found["integrity"] != "ok":
        problems.append(f"integrity_check: {found['integrity']}")
    if problems:
        raise RuntimeError(f"{c.label}: " + "; ".join(problems))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return Run(
        seconds=max(r.end for r in done) - min(r.start for r in done),
        logged=logged,
        errors=errors,
        latencies=[t for r in done for t in r.latencies],
        profile=lock_profile(done, logged) if profile else {},
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the run ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    ap.add_argument("--tmpdir", type=Path, help="where to put the temporary folder")
    ap.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also time each transaction's wait for the write lock and its commit",
    )
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    return args


PROFILE_COLUMNS = (
    # (heading, key in lock_profile, format)
    ("wait ms", "wait_ms", "{:.3f}"),
    ("held ms", "held_ms", "{:.3f}"),
    ("commit ms", "commit_ms", "{:.3f}"),
    ("longest wait ms", "longest_wait_ms", "{:.0f}"),
    ("waits > 50 ms", "long_waits", "{:.0f}"),
    ("busy retries", "busy_retries", "{:.0f}"),
    ("handoffs", "handoffs", "{:.0f}"),
    ("lock idle s", "idle_s", "{:.3f}"),
    ("longest idle ms", "longest_gap_ms", "{:.0f}"),
    ("first done s", "first_done_s", "{:.3f}"),
    ("last done s", "last_done_s", "{:.3f}"),
)


def print_profile(profiles: dict[Contender, list[dict[str, float]]]) -> None:
    print()
    print("Profile (median over the repetitions). Per outcome, over all writers: the wait for")
    print("the write lock (BEGIN IMMEDIATE), the time the lock is held (BEGIN returned to")
    print("COMMIT returned) and, of that, the COMMIT (WAL write + fsync). Per run: the longest")
    print("wait, waits over 50 ms, busy retries in Store.transaction, handoffs (a transaction")
    print("by another officer than the one before), the time nobody held the lock and its")
    print("longest stretch, when the first and the last writer finished.")
    rows = [
        [c.label]
        + [fmt.format(statistics.median(p[key] for p in runs)) for _, key, fmt in PROFILE_COLUMNS]
        for c, runs in profiles.items()
    ]
    print_table(["contender", *(h for h, _, _ in PROFILE_COLUMNS)], rows)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-", dir=args.tmpdir) as tmp:
        work = Path(tmp)
        base = work / "base.db"
        queued = build_base(base)
        print(
            f"concurrency: officers logging call outcomes into one database ({PUPILS:,} pupils,"
            f" {len(queued)} marked N on {ON} {SESSION}),"
        )
        runs = f"{args.repeat} repetition{'s' if args.repeat > 1 else ''}"
        print(f"  WAL, synchronous=FULL, busy timeout 5 s, {runs}{', profiled' * args.profile}")
        print(f"  {machine()}")

        samples = {c: Samples(c.label) for c in CONTENDERS}
        errors = {c: Counter[str]() for c in CONTENDERS}
        latencies: dict[Contender, list[float]] = {c: [] for c in CONTENDERS}
        profiles: dict[Contender, list[dict[str, float]]] = {c: [] for c in CONTENDERS}
        for rep in range(args.repeat):
            folder = fresh_dir(work, f"rep{rep}")
            order = list(CONTENDERS)
            if rep % 2:
                order.reverse()  # alternate who goes first
            line = []
            for c in order:
                run = run_contender(ctx, c, base, folder, queued, args.profile)
                samples[c].seconds.append(run.seconds)
                errors[c].update(run.errors)
                latencies[c].extend(run.latencies)
                profiles[c].append(run.profile)
                bad = f" ({sum(run.errors.values())} errors)" if run.errors else ""
                line.append(f"{c.label} {run.seconds:.3f}s{bad}")
            print(f"  rep {rep + 1}: " + ", ".join(line))
            shutil.rmtree(folder)

    one, four = CONTENDERS[0], CONTENDERS[2]
    print()
    table = []
    for c in CONTENDERS:
        s, lat = samples[c], latencies[c]
        table.append(
            [
                c.label,
                f"{c.total:,}",
                f"{s.median:.3f}",
                s.spread,
                f"{c.total / s.median:,.0f}",
                f"{paired_ratio(samples[one], s) * c.total / one.total:.2f}x",
                f"{ms(statistics.median(lat))}/{ms(percentile(lat, 0.99))}/{ms(max(lat))}",
                str(sum(errors[c].values())),
            ]
        )
    headers = ["contender", "outcomes", "median s", "range s", "outcomes/s", "vs 1 writer"]
    print_table([*headers, "call ms p50/p99/max", "errors"], table)
    if args.profile:
        print_profile(profiles)

    print()
    all_errors = Counter[str]()
    for c in CONTENDERS:
        all_errors.update(errors[c])
    for message, n in all_errors.most_common():
        print(f"error x{n}: {message}")
    # The same 4,000 outcomes, so the throughput ratio is the inverse ratio of the times.
    ratio = paired_ratio(samples[one], samples[four])
    passed = ratio >= TARGET and not all_errors
    print(
        f"4 writers / 1 writer throughput {ratio:.2f} (target >= {TARGET:.2f}),"
        f" {sum(all_errors.values())} errors (target 0): {'PASS' if passed else 'FAIL'}"
    )
    return 1 if args.check and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
