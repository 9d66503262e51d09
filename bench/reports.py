"""Benchmark: the reports for the people above the officer (#20) over 2,000 pupils' year.

Each report (cohorts, head of year, targeting support meeting, lateness) is timed against
one SQL aggregate over the same marks: the whole school's attending and possible sessions
over the report's own period (``triage.store.report_figures.school_counts``), run on the
same connection, in an order that alternates between repetitions. No target is set for
this session (the 20,000-pupil target of #20 is later work): the ratios are recorded in
bench/README.md.

    .venv/bin/python bench/reports.py               # 3 repetitions
    .venv/bin/python bench/reports.py --repeat 5
    .venv/bin/python bench/reports.py --profile     # cProfile each report once, no timing
"""

from __future__ import annotations

import cProfile
import gc
import sys
import tempfile
from datetime import date
from functools import partial
from pathlib import Path

from big_school import big_school, copy_of, print_profile
from common import (
    Samples,
    bench_parser,
    machine,
    paired_ratio,
    parse_bench_args,
    print_table,
    timed,
)

from triage.reports.catalogue import make_report
from triage.reports.document import half_term_containing, term_containing, week_of
from triage.store import Store, open_store
from triage.store.report_figures import school_counts


def periods(store: Store, on: date) -> dict[str, tuple[dict, tuple[date, date]]]:
    """Each report's options and the dates of the marks it reads."""
    half = half_term_containing(store.school_days(), on)
    assert half is not None
    term = term_containing(on)
    return {
        "cohorts": ({"start": half[0], "end": on}, half),
        "year": ({"year_group": 9, "week_of": on}, week_of(on)),
        "tsm": ({"start": term[0], "end": on}, (term[0], on)),
        "lateness": ({"start": half[0], "end": on}, half),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_bench_args(bench_parser(__doc__, 3, 2000, "cProfile each report once"), argv)
    school = big_school(args.pupils)
    on = school.on
    print(f"reports: {school.pupils:,} pupils, {school.marks:,} marks, on {on:%a %d %b %Y}")
    print(f"  {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-reports-", dir=args.tmpdir) as tmp:
        db = copy_of(school, Path(tmp))
        with open_store(db, create=False) as store:
            kinds = periods(store, on)
            for kind, (options, _) in kinds.items():
                make_report(store, kind, **options)  # warms imports and caches
            if args.profile:
                for kind, (options, _) in kinds.items():
                    profiler = cProfile.Profile()
                    profiler.runcall(make_report, store, kind, **options)
                    print_profile(f"{kind} (one report)", profiler)
                return 0
            rows = []
            for kind, (options, (start, end)) in kinds.items():
                app_t, sql_t = Samples(kind), Samples("one aggregate")
                report = partial(make_report, store, kind, **options)
                aggregate = partial(school_counts, store, start, end)
                for r in range(args.repeat):
                    pairs = [(app_t, report), (sql_t, aggregate)]
                    for samples, fn in pairs if r % 2 == 0 else pairs[::-1]:
                        gc.collect()
                        samples.seconds.append(timed(fn)[0])
                ratio = paired_ratio(app_t, sql_t)
                rows.append(
                    [
                        kind,
                        f"{start:%d %b} to {end:%d %b}",
                        f"{app_t.median:.3f}",
                        f"{sql_t.median:.3f}",
                        f"{ratio:.2f}x",
                    ]
                )
    print()
    print_table(["report", "marks of", "report s", "aggregate s", "ratio"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
