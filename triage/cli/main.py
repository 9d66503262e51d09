"""The `triage` command: the one entry point. It parses the command line
(:func:`triage.cli.args.build_parser`, where every sub-command's parser is), runs the
sub-command's function (``args.func``, imported only then), and turns every error into one
line and an exit code. Commands print; they never compute.

Exit codes: 0 success, 1 a problem with the input (a file, the database, a date),
2 a usage error (argparse's own, or :class:`triage.cli.args.UsageError`).

Where each command is: ``import`` :mod:`triage.cli.imports`; ``queue``
:mod:`triage.cli.queue`; ``summary`` and ``export`` :mod:`triage.cli.reports`; ``case``,
``alerts`` and ``chronology`` :mod:`triage.cli.case`; ``letter`` :mod:`triage.cli.letters`;
``config`` :mod:`triage.cli.config` (``config ladder`` :mod:`triage.cli.ladder`);
``officers`` :mod:`triage.cli.officers`; ``audit`` :mod:`triage.cli.audit`; ``backup``
and ``check`` :mod:`triage.cli.maintenance`; ``demo`` and opening the app
:mod:`triage.cli.app`.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from triage.cli.args import EXIT_INPUT, EXIT_OK, EXIT_USAGE, UsageError, build_parser
from triage.imports.csvfile import ImportFileError
from triage.sanitise import excerpt
from triage.store import NoDatabaseError, StoreError, default_db_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    db_path: Path = getattr(args, "db", None) or default_db_path()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.command not in (None, "demo") and db_path.is_file():
            _may_read(db_path)
        return args.func(args, db_path)
    except ImportFileError as exc:
        err.print(Text(exc.message))
        return EXIT_INPUT
    except NoDatabaseError as exc:
        err.print(Text(f"triage: {next_step_without_a_database(exc, named=hasattr(args, 'db'))}"))
        return EXIT_INPUT
    except (StoreError, ValueError) as exc:
        err.print(Text(f"triage: {exc}"))
        return EXIT_INPUT
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        err.print(Text(f"triage: error: {exc}"))
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (e.g. `triage audit | head`): not an error for an officer.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - swallow the final flush
        except OSError:
            pass
        return EXIT_OK
    except OSError as exc:  # the file system's own answer: a name too long, no permission
        where = f": {excerpt(str(exc.filename))}" if exc.filename else ""
        err.print(Text(f"triage: {exc.strerror or exc}{where}; nothing was changed"))
        return EXIT_INPUT
    except KeyboardInterrupt:
        err.print(Text("triage: interrupted; nothing half-written was kept"))
        return 130
    except Exception as exc:  # the last line of defence: never a traceback for an officer
        err.print(Text(f"triage: unexpected error ({type(exc).__name__}): {exc}"))
        err.print(Text("Nothing was changed by the step that failed. Please report this."))
        if os.environ.get("TRIAGE_DEBUG"):
            raise
        return EXIT_INPUT


def next_step_without_a_database(exc: NoDatabaseError, *, named: bool) -> str:
    """What to do when there is no database yet (a first run, or a mistyped ``--db``): the
    two ways to make one. A path given with ``--db`` is repeated, ready to copy."""
    db = f" --db {shlex.quote(str(exc.path))}" if named else ""
    return (
        f"there is no database at {exc.path} (nothing was created). To try the app on a "
        f"demo school: triage demo. To start your school's: triage import pupils FILE{db}, "
        "with FILE the pupils export from your MIS"
    )


def _may_read(db_path: Path) -> None:
    """Once officers are recorded, a login that is not one reads nothing either: not the
    queue with its phone numbers, not a case, not the audit trail, not a backup. (The app
    refuses it at start in the same words; with no officers recorded, the file's
    permissions decide.)"""
    from triage.officers import access_of
    from triage.store import open_store

    with open_store(db_path, create=False) as store:
        access_of(store)


if __name__ == "__main__":
    sys.exit(main())
