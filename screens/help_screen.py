"""`?`: what the screen underneath means and every key of it.

The keys are built from the live bindings of the screen underneath, so they cannot go
stale; a key this officer may not use (a viewer's writing keys) is listed apart, not as
usable. On the queue a short glossary follows: the columns, the flags, the next-step marks,
the header's counts, the marks of a write not saved and the DSL banner.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from triage.casework.cases import ACTION_KINDS, ENFORCE_KINDS
from triage.morning.queue import FLAG_LABELS

# What the queue's ! column may show (the first that applies): the safeguarding flags.
SAFEGUARDING_FLAGS = {
    "social_worker": "social worker (a child in need or on a protection plan)",
    "child_protection": "child protection plan",
    "looked_after": "looked-after child",
}

# (term, meaning). Meanings, not the header's exact words: the header may shorten them.
QUEUE_COLUMNS = (
    (
        "!",
        "a safeguarding flag: "
        + ", ".join(
            f"{label} {SAFEGUARDING_FLAGS[attr]}"
            for attr, label in FLAG_LABELS
            if attr in SAFEGUARDING_FLAGS
        )
        + ". These pupils are called first; the case (enter) lists every flag.",
    ),
    ("Fam", "the family's number; │ is a sibling of the pupil above: one call covers them."),
    ("Name", "the pupil's preferred name, dimmed once resolved."),
    (
        "Status",
        "where the pupil stands, in short words: to call; tried 2 (two no answers); ring "
        "10:30 (a callback, highlighted once due); reason → I (a reason given, the mark "
        "recoded); arrived; late (U); visit due; not home; CONCERN; reached. [login]: "
        "another officer is working on this family now. The full words are on the case "
        "(enter); saving… and NOT SAVED are below.",
    ),
    (
        "Next step",
        "the family's next step of the school's calling ladder and when it is due; red with "
        "! after the time: overdue. Empty once the ladder is done or no longer needed. "
        "l shows the whole ladder.",
    ),
    ("Try next", "the contact to try next, in priority order; a no answer moves it on."),
    ("Who", "that contact's relationship to the pupil (Mum, Dad, …), in a wide window."),
    ("Number", "that contact's first number."),
    ("Yr/Grp", "year group and registration group."),
    (
        "Days",
        "consecutive school days of unauthorised absence: 10 means reporting a child "
        "missing education.",
    ),
    ("Att%", "attendance this term (… while it is still being counted)."),
    ("Stage", "the stage of support (Expect, Monitor, … Enforce)."),
    ("Last attempt", "the latest call, text, email or visit: time, outcome, officer."),
)

QUEUE_COUNTS = (
    ("to call", "pupils nobody has tried yet this session."),
    ("tried", "tried (no answer, a callback, a text sent) but no reason yet."),
    ("explained", "a reason obtained: the N mark recoded."),
    ("arrived", "a later export shows the pupil in school."),
    ("overdue", "families with a calling-ladder step past its due time."),
    ("alerts (w)", "case alerts nobody has acknowledged yet; w opens the caseload."),
    (
        "not taken",
        "registers not taken after they closed, by session and group: PM 7A (28).",
    ),
    ("viewer, read-only", "you may look but not record."),
    ("single-user", "nobody is set up as an officer yet: whoever opens the file may write."),
)

QUEUE_MARKS = (
    (
        "saving…",
        "another officer (or a backup) holds the database: the entry waits its turn while "
        "you go on working; the row clears when it is saved.",
    ),
    (
        "NOT SAVED",
        "the write failed (another officer's write held the database too long, or the disk "
        "was full): nothing was recorded. ctrl+r saves it again.",
    ),
    (
        "DSL banner",
        "the red line naming families whose safeguarding-lead (DSL) step is due. It never "
        'takes the keyboard. D on the family records "DSL told": the ladder step done and '
        "the acknowledgement, who and when, in one.",
    ),
)


# Longer words for some keys than their footer label; any other key shows its description.
KEY_DETAILS = {
    "log('call')": "Call: log a call (numbered outcomes, one key each)",
    "log('text')": "Text: log a text sent, or send one (s, on the queue)",
    "log('email')": "Email: log an email sent, or send one (s, on the queue)",
    "log('visit')": "Visit: log a home visit",
    "reason": "Reason: record the reason given (the parent rang in), recoding the N",
    "callback": "Callback: when to call back (the family comes to the top then)",
    "undo": "Undo your last action (in the database too)",
    "retry": "Retry unsaved: save again what the row marks NOT SAVED",
    "details": "Details: the pupil's case",
    "ladder": "Ladder: the family's calling ladder, step by step",
    "send_due_texts": "Send the due texts to every family still to be reached (asks first)",
}


def glossary_table(title: str, rows: tuple[tuple[str, str], ...], term_width: int = 12) -> Table:
    table = Table(title=title, title_justify="left", expand=True, box=None, show_header=False)
    table.add_column("term", style="bold", no_wrap=True, min_width=term_width)
    table.add_column("meaning", ratio=1)
    for term, meaning in rows:
        table.add_row(Text(term), Text(meaning))
    return table


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help_screen.tcss"
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("question_mark", "close", "Back", show=False),
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def key_rows(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The keys of the screen underneath and the app's: (allowed, not allowed)."""
        allowed: list[tuple[str, str]] = []
        refused: list[tuple[str, str]] = []
        seen: set[str] = set()
        for binding in [*self.for_screen.BINDINGS, *self.app.BINDINGS]:
            # The screen's own `q` (app.quit, put first in its footer) is the app's `quit`.
            action = binding.action.removeprefix("app.") if isinstance(binding, Binding) else ""
            if not isinstance(binding, Binding) or action in seen:
                continue
            seen.add(action)
            keys = binding.key_display or ", ".join(
                self.app.get_key_display(Binding(k, "")) for k in binding.key.split(",")
            )
            row = (keys, KEY_DETAILS.get(binding.action, binding.description or binding.action))
            name = binding.action.split("(")[0]
            if self.for_screen.check_action(name, ()) is False:
                refused.append(row)
            else:
                allowed.append(row)
        allowed.append(("ctrl+p", "command palette: every action by name"))
        return allowed, refused

    def compose(self) -> ComposeResult:
        from screens.case_screen import CaseScreen  # (imported with the first help)
        from screens.officer_screen import triage_app
        from screens.queue_screen import QueueScreen

        access = triage_app(self).access
        allowed, refused = self.key_rows()
        parts: list[Table | Text] = [glossary_table("Keys", tuple(allowed), term_width=6)]
        if refused:
            parts += [
                Text(""),
                glossary_table(
                    f"Not allowed to you ({access.login}: {access.role})",
                    tuple(refused),
                    term_width=6,
                ),
            ]
        if isinstance(self.for_screen, CaseScreen) and access.can_write and not access.is_lead:
            enforce = sorted(ACTION_KINDS[k].label for k in ENFORCE_KINDS)
            parts += [
                Text(""),
                Text(f"Only a lead records (a): {', '.join(enforce)}.", style="dim"),
            ]
        if isinstance(self.for_screen, QueueScreen):
            parts += [
                Text(""),
                glossary_table("The columns", QUEUE_COLUMNS),
                Text(""),
                glossary_table("The counts at the top", QUEUE_COUNTS),
                Text(""),
                glossary_table("Marks", QUEUE_MARKS),
            ]
        panel = VerticalScroll(Static(Group(*parts), id="help-text"), id="panel")
        panel.border_title = "Help"
        panel.border_subtitle = "↑ ↓ scroll · escape back"
        yield panel

    def action_close(self) -> None:
        self.dismiss(None)
