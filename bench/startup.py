"""Benchmark: start-up of the app, to the queue's first paint, against a bare Textual app.

The issue's target: from process start to the first paint of the queue (the demo school,
1,000 pupils, 18 queued on Tue 24 Nov 2026) takes at most 1.5x as long as a bare Textual
app that paints one widget, both headless in the same run.

    .venv/bin/python bench/startup.py                # 7 repetitions
    .venv/bin/python bench/startup.py --repeat 15 --pupils 2000
    .venv/bin/python bench/startup.py --check        # exit 1 when the target is missed
    .venv/bin/python bench/startup.py --profile      # where the queue process spends its time

Before timing, the app's own modules are compiled to bytecode, as an installed app has
them (see `compile_bytecode`). Each contender is a new Python process (`python -c`),
started headless at 120x40. A hook on
`Screen._compositor_refresh` (the one place Textual renders a frame) notes the monotonic
clock on the first frame that shows what the contender is for, and exits the app:

* the bare app: the first frame with its one `Static` laid out;
* the queue: the first frame in which the `#queue` table holds its rows *and* has laid them
  out (its virtual height counts them), i.e. after the first load, `show` filled
  the table and the table measured its columns.

A third contender, for information only, opens the same queue through the command an
officer types (`triage --db DB --date D`, via `triage.cli.main`): the command line's whole
parser is built first, so this catches a command module that grows heavy to import.

The parent times from just before it spawns the process to that frame (the clock is
system-wide, so the child's reading compares with the parent's), and to the process's
exit. Contenders alternate within each repetition; every repetition copies the database
to a new file. The ratio is the median of the per-repetition ratios (see `common.py`).
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from common import (
    Samples,
    bench_parser,
    fresh_dir,
    machine,
    paired_ratio,
    parse_bench_args,
    print_table,
)

from triage.demo_school import build_demo_database

TARGET = 1.5
MORNING = date(2026, 11, 24)
SIZE = (120, 40)

# Shared by both children: note the clock on the first frame for which `ready(screen)` is
# not 0 (it counts what was painted: rows, or the one widget), then exit. What each child
# imports beyond this is part of what is measured.
HOOK = """
import sys, time
from textual.screen import Screen

_painted = []
_render = Screen._compositor_refresh

def _compositor_refresh(screen):
    _render(screen)
    if not _painted and screen is screen.app.screen:
        shown = ready(screen)
        if shown:
            _painted.extend((time.monotonic(), shown))
            screen.app.exit()

Screen._compositor_refresh = _compositor_refresh
"""

BARE = (
    HOOK
    + """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("Attendance Triage", id="one")

def ready(screen):
    found = screen.query("#one")
    return int(bool(found) and found.first().region.height > 0)

Bare().run(headless=True, size=SIZE)
print(*_painted)
"""
)

# The queue is painted: the first frame in which the table holds its rows and has laid them
# out. Shared by the two ways of opening it.
QUEUE_READY = """
def ready(screen):
    found = screen.query("#queue")
    if not found:
        return 0
    table = found.first()
    laid_out = table.virtual_size.height > table.row_count  # columns measured, rows placed
    return table.row_count if laid_out else 0
"""

QUEUE = (
    HOOK
    + QUEUE_READY
    + """
from datetime import date
from pathlib import Path
from screens.app import TriageApp

TriageApp(Path(sys.argv[1]), date.fromisoformat(sys.argv[2])).run(headless=True, size=SIZE)
print(*_painted)
"""
)

# For information: the same, through the command an officer types (`triage --db ... --date
# ...`): the whole parser built, the date checked, then the app. Only `App.run` is told to
# run headless at the benchmark's size.
COMMAND = (
    HOOK
    + QUEUE_READY
    + """
from textual.app import App

_run = App.run
App.run = lambda self, *args, **kwargs: _run(self, headless=True, size=SIZE)
from triage.cli.main import main

main(["--db", sys.argv[1], "--date", sys.argv[2]])
print(*_painted)
"""
)


def child_code(code: str) -> str:
    return f"SIZE = {SIZE!r}\n{code}"


def run_child(code: str, *args: str) -> tuple[float, float, int]:
    """(seconds to the first paint, seconds to exit, rows shown) of one child process."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", child_code(code), *args], capture_output=True, text=True
    )
    ended = time.monotonic()
    if done.returncode != 0:
        raise RuntimeError(f"child exited {done.returncode}:\n{done.stdout}{done.stderr}")
    try:
        painted, rows = done.stdout.split()[-2:]
        return float(painted) - start, ended - start, int(rows)
    except ValueError:
        raise RuntimeError(f"the child never painted what it was for:\n{done.stdout}") from None


def profile_queue(db: Path, work: Path) -> None:
    """cProfile of one queue process (main thread), then its slowest imports."""
    stats = work / "queue.prof"
    script = work / "queue_child.py"  # `-m cProfile` takes a script, not -c
    script.write_text(child_code(QUEUE))
    cmd = [sys.executable, "-m", "cProfile", "-o", str(stats), str(script), str(db)]
    subprocess.run([*cmd, MORNING.isoformat()], check=True, capture_output=True)
    import pstats

    print("\n--- cProfile, one queue process (main thread), by cumulative time ---")
    pstats.Stats(str(stats)).sort_stats("cumulative").print_stats(30)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(script), str(db), MORNING.isoformat()],
        capture_output=True,
        text=True,
    )
    imports = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            imports.append((int(parts[1]), parts[2].rstrip()))
    print("--- -X importtime, the 20 slowest imports (cumulative microseconds) ---")
    for micros, name in sorted(imports, reverse=True)[:20]:
        print(f"{micros:>10,}  {name}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    return parse_bench_args(
        bench_parser(__doc__, 7, 1000, "profile one queue process and stop"), argv
    )


def compile_bytecode() -> None:
    """Our modules' bytecode, as an installed app has it. Textual's was compiled when pip
    installed it; ours is written by Python on the first run, except where
    PYTHONDONTWRITEBYTECODE is set (as on our build machines), which would leave the app
    compiling its own source on every start, the bare app not (about 30 ms)."""
    root = Path(__file__).resolve().parent.parent
    for package in ("triage", "screens"):
        compileall.compile_dir(root / package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-startup-", dir=args.tmpdir) as tmp:
        work = Path(tmp)
        demo = build_demo_database(work / "demo.db", MORNING, pupils=args.pupils)
        runs = "cProfile of one process" if args.profile else f"{args.repeat} repetitions"
        print(f"start-up to first paint: demo school, {args.pupils} pupils, {MORNING},")
        print(f"  headless {SIZE[0]}x{SIZE[1]}, {runs}")
        print(f"  {machine()}")
        if args.profile:
            profile_queue(demo, work)
            return 0

        bare = Samples("bare Textual app, one Static (paint)")
        queue = Samples("triage queue, rows painted (paint)")
        bare_exit = Samples("bare Textual app (to process exit)")
        queue_exit = Samples("triage queue (to process exit)")
        command = Samples("`triage` command, rows painted (paint)")
        shown: set[int] = set()
        compile_bytecode()
        run_child(BARE)  # warm the disk cache for both before timing anything
        run_child(QUEUE, str(demo), MORNING.isoformat())
        run_child(COMMAND, str(demo), MORNING.isoformat())

        for rep in range(args.repeat):
            folder = fresh_dir(work, f"rep{rep}")
            db = folder / "triage.db"
            shutil.copyfile(demo, db)
            db.chmod(0o600)

            def run_bare() -> None:
                paint, ended, _ = run_child(BARE)
                bare.seconds.append(paint)
                bare_exit.seconds.append(ended)

            def run_queue(db: Path = db) -> None:
                paint, ended, rows = run_child(QUEUE, str(db), MORNING.isoformat())
                queue.seconds.append(paint)
                queue_exit.seconds.append(ended)
                shown.add(rows)

            def run_command(db: Path = db) -> None:
                paint, _, rows = run_child(COMMAND, str(db), MORNING.isoformat())
                command.seconds.append(paint)
                shown.add(rows)

            steps: list[Callable[[], None]] = [run_queue, run_bare, run_command]
            turn = rep % len(steps)
            steps = steps[turn:] + steps[:turn]  # each goes first in turn
            for step in steps:
                step()
            print(
                f"  rep {rep + 1}: bare {bare.seconds[-1]:.3f}s"
                f" (exit {bare_exit.seconds[-1]:.3f}s), queue {queue.seconds[-1]:.3f}s"
                f" (exit {queue_exit.seconds[-1]:.3f}s), command {command.seconds[-1]:.3f}s"
            )
            shutil.rmtree(folder)

    print(f"\nqueue rows painted: {', '.join(map(str, sorted(shown)))}\n")
    table = []
    contenders = (
        (bare, bare),
        (queue, bare),
        (command, bare),
        (bare_exit, bare_exit),
        (queue_exit, bare_exit),
    )
    for s, base in contenders:
        vs = "1.00x" if s is base else f"{paired_ratio(s, base):.2f}x"
        table.append([s.label, f"{s.median:.3f}", s.spread, vs])
    print_table(["contender", "median s", "range s", "vs bare"], table)
    print()
    ratio = paired_ratio(queue, bare)
    print(f"to-exit ratio {paired_ratio(queue_exit, bare_exit):.2f}x (for information)")
    print(f"`triage` command ratio {paired_ratio(command, bare):.2f}x (for information)")
    passed = ratio <= TARGET
    print(f"first-paint ratio {ratio:.2f}x (target <= {TARGET:g}x): {'PASS' if passed else 'FAIL'}")
    return 1 if args.check and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
