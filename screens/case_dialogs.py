"""The case screen's dialogs: a choice from a list (with a filter), a stage move, the
form for an action, the form for a penalty notice, and a message to read.

Like :mod:`screens.outcome_dialog`, nothing here writes to the store: a dialog returns the
officer's choice through ``dismiss`` and the case screen writes it, so escape at any step
changes nothing. A dialog checks only what it can read off its own fields (a date that is
not a date, a required field left empty); the rules (a review date in the past, a Notice
to Improve ending before it starts) are the domain's, and when the domain refuses, the
screen opens the dialog again with the officer's answers and the one-line reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from triage.casework.cases import ACTION_KINDS, BARRIERS
from triage.dates import dmy, parse_optional_date
from triage.model import Contact

DIALOG_CSS = """
Choice, StageDialog, ActionForm, PenaltyForm, Info, FieldsForm {
    align: center middle;
}
.field-label {
    margin-top: 1;
}
#choice-list, #stage-list, #penalty-parent {
    height: auto;
    max-height: 10;
}
#barriers {
    height: auto;
    max-height: 11;
}
#form-error {
    height: auto;
    color: $error;
    text-style: bold;
}
"""


def parse_day(text: str) -> date | None:
    """A date as officers type it (:func:`triage.dates.parse_date`); blank is None."""
    return parse_optional_date(text)


class Choice(ModalScreen[str | None]):
    """Pick one from a list: arrows and enter, or type to narrow it (``filterable``)."""

    CSS_PATH = "outcome_dialog.tcss"
    DEFAULT_CSS = DIALOG_CSS
    SCOPED_CSS = False
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[str, Text | str]],
        *,
        filterable: bool = False,
        hint: str = "enter picks · escape cancels",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.filterable = filterable
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            if self.filterable:
                yield Input(placeholder="type to narrow the list", id="choice-filter")
            yield OptionList(id="choice-list")
            yield Static(Text(self.hint, style="dim"))

    def on_mount(self) -> None:
        self._fill("")
        if self.filterable:
            self.query_one("#choice-filter", Input).focus()
        else:
            self.query_one("#choice-list", OptionList).focus()

    def _fill(self, needle: str) -> None:
        needle = needle.strip().casefold()
        options = self.query_one("#choice-list", OptionList)
        options.clear_options()
        for key, label in self.options:
            plain = label.plain if isinstance(label, Text) else label
            if not needle or needle in plain.casefold():
                options.add_option(Option(Text(label) if isinstance(label, str) else label, id=key))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#choice-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#choice-filter")
    def _submitted(self) -> None:
        options = self.query_one("#choice-list", OptionList)
        if options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted or 0).id)

    def on_key(self, event) -> None:
        if self.filterable and event.key == "down" and self.focused is not None:
            if self.focused.id == "choice-filter":
                event.stop()
                self.query_one("#choice-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#choice-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Info(ModalScreen[None]):
    """A message to read (a refusal, a decision): enter or escape closes it."""

    CSS_PATH = "outcome_dialog.tcss"
    DEFAULT_CSS = DIALOG_CSS
    SCOPED_CSS = False
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(Text(self.message), id="info-message")
            yield Static(Text("\nenter or escape closes; nothing was recorded", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)


class Form(ModalScreen):
    """Shared by the forms: ctrl+s or enter in a one-line field saves, escape cancels."""

    CSS_PATH = "outcome_dialog.tcss"
    DEFAULT_CSS = DIALOG_CSS
    SCOPED_CSS = False
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def field_error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(Text(message))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        try:
            result = self.collect()
        except ValueError as exc:
            self.field_error(str(exc))
            return
        self.dismiss(result)

    def collect(self):  # pragma: no cover - each form has its own
        raise NotImplementedError

    @on(Input.Submitted)
    def _enter_saves(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def day(self, widget_id: str, what: str, *, required: bool = False) -> date | None:
        text = self.query_one(widget_id, Input).value
        try:
            value = parse_day(text)
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from exc
        if required and value is None:
            raise ValueError(f"{what} is needed (dd/mm/yyyy)")
        return value


# --- stage moves ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageMove:
    to_stage: str
    reason: str
    review_date: date | None
    holiday: bool = False


class StageDialog(Form):
    """Move up or down: the stage (the next one is chosen), a reason, a review date and,
    moving up, whether this is an unapproved term-time holiday case."""

    def __init__(
        self,
        name: str,
        current: str,
        stages: Sequence[str],
        *,
        up: bool,
        review: date | None,
        previous: StageMove | None = None,
        error: str | None = None,
        stage_names: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.name_text = name
        self.stage_names = stage_names or {}  # DfE stage -> the school's name for it
        self.current = current
        self.stages = list(stages)  # the stages it may move to, nearest first
        self.up = up
        self.review = review
        self.previous = previous
        self.error = error

    def compose(self) -> ComposeResult:
        prev = self.previous
        with Vertical(id="dialog"):
            verb = "up" if self.up else "down"
            yield Static(
                Text(
                    f"Move {self.name_text} {verb} from "
                    f"{self.stage_names.get(self.current, self.current)}",
                    style="bold",
                ),
                id="dialog-title",
            )
            yield Static(Text("To stage (shift+tab here to choose another)"), classes="field-label")
            stages = OptionList(
                *[Option(Text(self.stage_names.get(s, s)), id=s) for s in self.stages],
                id="stage-list",
            )
            yield stages
            yield Static(Text("Reason (required)"), classes="field-label")
            yield Input(
                value=prev.reason if prev else "",
                placeholder="why, in a sentence",
                id="stage-reason",
            )
            yield Static(
                Text("Next review date (dd/mm/yyyy, blank for none)"), classes="field-label"
            )
            yield Input(
                value=dmy(prev.review_date) if prev else dmy(self.review), id="stage-review"
            )
            if self.up:
                yield Checkbox(
                    "Unapproved term-time holiday (no prior support expected)",
                    value=prev.holiday if prev else False,
                    id="stage-holiday",
                )
            yield Static(Text(self.error or ""), id="form-error")
            yield Static(
                Text("enter or ctrl+s saves · tab: next field · escape cancels", style="dim")
            )

    def on_mount(self) -> None:
        stages = self.query_one("#stage-list", OptionList)
        chosen = self.previous.to_stage if self.previous else None
        stages.highlighted = self.stages.index(chosen) if chosen in self.stages else 0
        self.query_one("#stage-reason", Input).focus()

    def collect(self) -> StageMove:
        stages = self.query_one("#stage-list", OptionList)
        to_stage = self.stages[stages.highlighted or 0]
        reason = self.query_one("#stage-reason", Input).value.strip()
        if not reason:
            raise ValueError("a reason is needed to change the stage")
        review = self.day("#stage-review", "the review date")
        holiday = (
            bool(self.query("#stage-holiday")) and self.query_one("#stage-holiday", Checkbox).value
        )
        return StageMove(to_stage, reason, review, holiday)

    @on(OptionList.OptionSelected, "#stage-list")
    def _stage_picked(self) -> None:
        self.query_one("#stage-reason", Input).focus()


# --- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionInput:
    kind: str
    on: date
    note: str | None
    due_date: date | None = None
    barriers: tuple[str, ...] = field(default_factory=tuple)


DUE_LABELS = {
    "notice_to_improve": "End of the improvement period (required, dd/mm/yyyy)",
    "review_held": "Next review date (dd/mm/yyyy, blank for none)",
}


def action_kind_options() -> list[tuple[str, Text]]:
    """Every kind of action, in the order a case usually runs, with its typical stage."""
    options = []
    for kind, (label, stage) in ACTION_KINDS.items():
        text = Text(label)
        text.append(f"  {stage or 'any stage'}", style="dim")
        options.append((kind, text))
    return options


class ActionForm(Form):
    """An action's date, note and due date; a meeting's barriers; a Notice to Improve's
    end of improvement period (required)."""

    def __init__(
        self,
        kind: str,
        today: date,
        *,
        due: date | None = None,
        previous: ActionInput | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.today = today
        self.due = due
        self.previous = previous
        self.error = error

    def compose(self) -> ComposeResult:
        prev = self.previous
        label = ACTION_KINDS[self.kind].label
        with Vertical(id="dialog"):
            yield Static(Text(f"Record: {label}", style="bold"), id="dialog-title")
            yield Static(Text("Date (dd/mm/yyyy)"), classes="field-label")
            yield Input(value=dmy(prev.on if prev else self.today), id="action-date")
            if self.kind == "meeting_held":
                yield Static(
                    Text("Barriers found (space to tick; at least one)"), classes="field-label"
                )
                chosen = set(prev.barriers) if prev else set()
                yield SelectionList[str](*[(b, b, b in chosen) for b in BARRIERS], id="barriers")
            due_label = DUE_LABELS.get(self.kind, "Due or review date (dd/mm/yyyy, optional)")
            yield Static(Text(due_label), classes="field-label")
            yield Input(value=dmy(prev.due_date if prev else self.due), id="action-due")
            note_label = "Note (say what 'other' is)" if self.kind == "meeting_held" else "Note"
            yield Static(Text(note_label), classes="field-label")
            yield Input(value=(prev.note or "") if prev else "", id="action-note")
            yield Static(Text(self.error or ""), id="form-error")
            yield Static(
                Text("enter or ctrl+s saves · tab: next field · escape cancels", style="dim")
            )

    def on_mount(self) -> None:
        self.query_one("#action-date", Input).focus()

    def collect(self) -> ActionInput:
        on_day = self.day("#action-date", "the date", required=True)
        assert on_day is not None
        due = self.day("#action-due", "the end date", required=self.kind == "notice_to_improve")
        barriers: tuple[str, ...] = ()
        if self.kind == "meeting_held":
            barriers = tuple(self.query_one("#barriers", SelectionList).selected)
            if not barriers:
                raise ValueError("tick at least one barrier found at the meeting")
        note = self.query_one("#action-note", Input).value.strip() or None
        return ActionInput(self.kind, on_day, note, due, barriers)


@dataclass(frozen=True)
class PenaltyInput:
    parent: str
    on: date
    note: str | None


class PenaltyForm(Form):
    """A penalty notice: to which parent (contacts with parental responsibility first),
    dated when it is issued; the decision (first, second or refused) is shown next."""

    def __init__(
        self,
        contacts: Sequence[Contact],
        today: date,
        *,
        previous: PenaltyInput | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.contacts = sorted(
            contacts, key=lambda c: (not c.parental_responsibility, c.priority, c.name)
        )
        self.today = today
        self.previous = previous
        self.error = error

    def compose(self) -> ComposeResult:
        prev = self.previous
        with Vertical(id="dialog"):
            yield Static(Text("Penalty notice", style="bold"), id="dialog-title")
            yield Static(Text("To the parent (enter picks)"), classes="field-label")
            parents = OptionList(id="penalty-parent")
            for n, c in enumerate(self.contacts):
                label = Text(c.name)
                label.append(f"  {c.relationship or 'contact'}", style="dim")
                if c.parental_responsibility:
                    label.append("  PR", style="bold")
                parents.add_option(Option(label, id=str(n)))
            yield parents
            yield Static(Text("Date issued (dd/mm/yyyy)"), classes="field-label")
            yield Input(value=dmy(prev.on if prev else self.today), id="penalty-date")
            yield Static(Text("Note"), classes="field-label")
            yield Input(value=(prev.note or "") if prev else "", id="penalty-note")
            yield Static(Text(self.error or ""), id="form-error")
            yield Static(
                Text("enter or ctrl+s: see what the notice would be · escape cancels", style="dim")
            )

    def on_mount(self) -> None:
        parents = self.query_one("#penalty-parent", OptionList)
        if self.contacts:
            names = [c.name for c in self.contacts]
            prev = self.previous.parent if self.previous else None
            parents.highlighted = names.index(prev) if prev in names else 0
            parents.focus()
        else:
            self.field_error("no contact is on file for this pupil: add one in the MIS first")

    @on(OptionList.OptionSelected, "#penalty-parent")
    def _parent_picked(self) -> None:
        self.query_one("#penalty-date", Input).focus()

    def collect(self) -> PenaltyInput:
        if not self.contacts:
            raise ValueError("no contact is on file for this pupil")
        parents = self.query_one("#penalty-parent", OptionList)
        parent = self.contacts[parents.highlighted or 0].name
        on_day = self.day("#penalty-date", "the date issued", required=True)
        assert on_day is not None
        note = self.query_one("#penalty-note", Input).value.strip() or None
        return PenaltyInput(parent, on_day, note)


# --- the professionals around a child --------------------------------------------------------


@dataclass(frozen=True)
class ProfessionalInput:
    role: str
    name: str
    team: str
    phone: str
    email: str


class ProfessionalForm(Form):
    """A pupil's social worker or virtual school: name (needed), team, phone, email."""

    def __init__(
        self, role: str, label: str, previous: ProfessionalInput | None, error: str | None = None
    ) -> None:
        super().__init__()
        self.role = role
        self.label = label
        self.previous = previous
        self.error = error

    def compose(self) -> ComposeResult:
        prev = self.previous
        with Vertical(id="dialog"):
            yield Static(Text(self.label, style="bold"), id="dialog-title")
            for field_id, label, value in (
                ("pro-name", "Name", prev.name if prev else ""),
                ("pro-team", "Team or local authority", prev.team if prev else ""),
                ("pro-phone", "Phone", prev.phone if prev else ""),
                ("pro-email", "Email", prev.email if prev else ""),
            ):
                yield Static(Text(label), classes="field-label")
                yield Input(value=value, id=field_id)
            yield Static(Text(self.error or ""), id="form-error")
            yield Static(
                Text("enter or ctrl+s saves · tab: next field · escape cancels", style="dim")
            )

    def on_mount(self) -> None:
        self.query_one("#pro-name", Input).focus()

    def collect(self) -> ProfessionalInput:
        def value(field_id: str) -> str:
            return self.query_one(field_id, Input).value.strip()

        if not value("#pro-name"):
            raise ValueError("a name is needed")
        return ProfessionalInput(
            self.role,
            value("#pro-name"),
            value("#pro-team"),
            value("#pro-phone"),
            value("#pro-email"),
        )


# --- a form of one-line fields (leave requests, part-time timetables) -------------------------


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    value: str = ""
    required: bool = True


class FieldsForm(Form):
    """One-line fields, returned as typed (key -> text). The screen hands them to the domain,
    which reads the dates and applies the rules; when it refuses, the screen opens the form
    again with the answers and the one-line reason. Two lines a field (a label, a borderless
    input) so that seven fit an 80x24 terminal; the dialog scrolls if they do not."""

    DEFAULT_CSS = """
    FieldsForm #dialog {
        overflow-y: auto;
    }
    FieldsForm .field-label {
        margin-top: 0;
    }
    FieldsForm Input {
        border: none;
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    FieldsForm Input:focus {
        border: none;
        background: $accent 30%;
    }
    """
    SCOPED_CSS = False

    def __init__(self, title: str, fields: Sequence[FormField], error: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            for f in self.fields:
                yield Static(Text(f.label), classes="field-label")
                yield Input(value=f.value, id=f"field-{f.key}")
            yield Static(Text(self.error or ""), id="form-error")
            yield Static(
                Text("enter or ctrl+s saves · tab: next field · escape cancels", style="dim")
            )

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def collect(self) -> dict[str, str]:
        values = {
            f.key: self.query_one(f"#field-{f.key}", Input).value.strip() for f in self.fields
        }
        missing = next((f for f in self.fields if f.required and not values[f.key]), None)
        if missing is not None:
            raise ValueError(f"{missing.label.split(' (')[0]} is needed")
        return values
