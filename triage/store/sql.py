"""Small pieces of SQL text shared by the store's modules."""

from __future__ import annotations

from collections.abc import Sized


def placeholders(values: Sized) -> str:
    """``?, ?, ?`` for an ``IN (…)`` list of ``values``, which are passed as parameters:
    never build SQL from the values themselves. SQLite takes an empty ``IN ()``, which
    matches nothing."""
    return ", ".join("?" * len(values))
