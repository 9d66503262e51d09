"""An officer's own preferences (the theme they chose), kept for them between sessions.

They live in the officer's own configuration folder, not in the database: the database is
the school's, shared by the team, while the login (whose home folder this is) is the
officer. ``$XDG_CONFIG_HOME/attendance-triage/preferences.json`` (by default under
``~/.config``), readable by its owner only (0600) and replaced whole, so that a crash
mid-write never leaves half a file. A file that cannot be read or makes no sense is
ignored: a preference is never a reason for the app not to start."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from triage.store import APP_DIR_NAME

FILE_NAME = "preferences.json"


class PreferencesError(OSError):
    """The preferences could not be saved (one line for a notification)."""


def preferences_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR_NAME / FILE_NAME


def load_preferences(path: Path | None = None) -> dict[str, object]:
    """What was saved, or nothing (no file, an unreadable one, or not a JSON object)."""
    path = path or preferences_path()
    if not path.is_file():  # most officers never change one: json is not even imported
        return {}
    import json

    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def save_preference(key: str, value: object, path: Path | None = None) -> None:
    """Set one preference, keeping the others: written to a private file beside the old
    one, then put in its place in one step."""
    import json

    path = path or preferences_path()
    preferences = load_preferences(path) | {key: value}
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".preferences-", dir=path.parent)  # 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(preferences, f, indent=2, sort_keys=True)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise PreferencesError(f"cannot save your preferences in {path}: {exc.strerror}") from exc


def saved_theme(path: Path | None = None) -> str | None:
    """The theme the officer last chose, if any (whether it still exists is the app's
    question)."""
    theme = load_preferences(path).get("theme")
    return theme if isinstance(theme, str) else None
