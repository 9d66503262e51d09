"""``python -m triage`` is ``triage``: the command line's entry point, and nothing else
(part of the command-line layer, see tests/test_layers.py)."""

import sys

from triage.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
