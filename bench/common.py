"""What the benchmarks in this folder share: timing, medians, the machine line, a table.

The machines are shared and noisy, so every benchmark repeats, alternates its contenders
within a repetition and reports medians; none of them is a test (they exit 0 unless asked
to ``--check`` a target).
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Samples:
    """The seconds one contender took, one per repetition."""

    label: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> str:
        return f"{min(self.seconds):.3f}-{max(self.seconds):.3f}"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call, by the monotonic high-resolution clock."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_timed(cmd: Sequence[str]) -> float:
    """Seconds a command takes, start-up included; raises with its output if it fails."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return seconds


def paired_ratio(a: Samples, b: Samples) -> float:
    """Median of a/b taken repetition by repetition: a slow moment of the machine hits
    both halves of a pair, so this is steadier than median(a) / median(b)."""
    return statistics.median(x / y for x, y in zip(a.seconds, b.seconds, strict=True))


def machine(sqlite3_cli: str | None = None) -> str:
    """One line naming what the figures were measured on."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = [
        f"nproc {cpus}",
        f"Python {platform.python_version()} (sqlite library {sqlite3.sqlite_version})",
    ]
    if sqlite3_cli:
        out = subprocess.run([sqlite3_cli, "--version"], capture_output=True, text=True)
        parts.append(f"sqlite3 CLI {' '.join(out.stdout.split()[:2])}")
    return ", ".join(parts)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        out = [str(cells[0]).ljust(widths[0])]
        out += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(out).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def fresh_dir(parent: Path, name: str) -> Path:
    """A new, empty folder for one repetition's database files."""
    path = parent / name
    path.mkdir()
    return path


def bench_parser(doc: str | None, repeat: int, pupils: int, profile_help: str):
    """The options every school-sized benchmark takes: --repeat, --pupils, --tmpdir,
    --check (exit 1 on a miss) and --profile. Parse with :func:`parse_bench_args`."""
    import argparse

    ap = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=repeat, help=f"repetitions (default {repeat})")
    ap.add_argument("--pupils", type=int, default=pupils, help=f"pupils (default {pupils})")
    ap.add_argument("--tmpdir", type=Path, help="where to put the temporary folder")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--profile", action="store_true", help=profile_help)
    return ap


def parse_bench_args(ap, argv: list[str] | None):
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    return args
