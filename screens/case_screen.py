"""A pupil's case (`enter` from the queue or the caseload): how attendance is going, what
has been tried, and the keys to move the case on.

The screen holds no rules. It reads the case with :func:`triage.casework.chronology.load_case`: on
the interface thread when it opens (a few milliseconds, so the first frame shows the case),
then in a worker (group ``case``, its own connection) after each change. It sends the
officer's choices to :mod:`triage.morning.logbook`, :mod:`triage.casework.cases`,
:mod:`triage.casework.penalties`, :mod:`triage.casework.alerts` and
:mod:`triage.casework.letters` on the interface thread (each one short transaction), then
reads the case again. What it shows (the header and the tabs' panels) is drawn by
:mod:`triage.render.case`, the same renderables as ``triage case`` prints. Every text from
the database is shown with ``rich.text.Text``, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widget import Widget
from textual.widgets import OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from screens.case_dialogs import (
    ActionForm,
    ActionInput,
    Choice,
    FieldsForm,
    FormField,
    Info,
    PenaltyForm,
    PenaltyInput,
    ProfessionalForm,
    ProfessionalInput,
    StageDialog,
    StageMove,
    action_kind_options,
    parse_day,
)
from screens.commands import BindingCommands
from screens.help_screen import HelpScreen
from screens.officer_screen import CONTACT_BINDINGS, QUICK_WRITE_MS, OfficerScreen
from screens.outcome_dialog import (
    Confirm,
    OutcomeChoice,
    OutcomeDialog,
    Prompt,
    ReasonPicker,
)
from screens.widgets.footer import SteadyFooter
from screens.widgets.title_bar import TitleBar
from triage import officers, settings
from triage.casework import (
    alerts,
    cases,
    leave,
    letters,
    penalties,
    prosecution,
    roll,
    timetables,
)
from triage.casework.chronology import CaseSummary, build_chronology, load_case, render
from triage.casework.professionals import record_professional
from triage.dates import dmy, parse_date, parse_optional_date
from triage.model import (
    PROFESSIONAL_ROLES,
    STAGES,
    Mark,
    Professional,
    QueueEntry,
    stage_rank,
    year_label,
)
from triage.morning import logbook
from triage.morning.outcomes import CHANNEL_LABELS, status_of
from triage.render.case import (
    attendance_text,
    contacts_table,
    header_text,
    notice_text,
    register_text,
    timeline_tab,
)
from triage.store import Store, StoreError

LIVE_CHECK_SECONDS = 2.0
LAZY_TABS = ("register", "contacts", "timeline")  # their panels are made when first shown
REVIEW_WEEKS = 4  # the review date a stage move offers
CHRONOLOGY_FOLDER = "chronologies"  # beside the database, like letters/
LETTERS_FOLDER = "letters"


class ScrollingPane(TabPane, can_focus=True):
    """A tab pane that scrolls its own panels, with a VerticalScroll's keys: one widget
    (to mount, lay out and paint) fewer than a VerticalScroll inside a TabPane, and the
    same picture (see case_screen.tcss)."""

    ALLOW_MAXIMIZE = False
    BINDINGS = ScrollableContainer.BINDINGS


class CaseScreen(OfficerScreen):
    CSS_PATH = "case_screen.tcss"
    COMMANDS = {BindingCommands}
    BINDINGS = [
        Binding("escape", "back", "Back"),
        *CONTACT_BINDINGS,
        Binding("greater_than_sign", "stage(1)", "Stage up", key_display=">"),
        Binding("less_than_sign", "stage(-1)", "Stage down", key_display="<"),
        Binding("a", "record_action", "Action"),
        Binding("s", "action_status", "Status"),
        Binding("p", "professional", "Social worker", show=False),
        Binding("l", "letter", "Letter"),
        Binding("k", "acknowledge", "Acknowledge alert"),
        Binding("h", "chronology", "Chronology"),
        Binding("o", "leave_request", "Leave request", show=False),
        Binding("d", "leave_decide", "Decide leave (lead)", show=False),
        Binding("w", "timetable", "Part-time timetable", show=False),
        Binding("m", "missing_education", "Missing education: enquiry, LA told", show=False),
        Binding("g", "leave_roll", "Delete from the roll (lead)", show=False),
        Binding("u", "undo", "Undo"),
        Binding("1", "tab('attendance')", "Attendance tab", show=False),
        Binding("2", "tab('register')", "Register tab", show=False),
        Binding("3", "tab('contacts')", "Contacts tab", show=False),
        Binding("4", "tab('timeline')", "Timeline tab", show=False),
        Binding("question_mark", "help", "Help"),
    ]
    WRITE_ACTIONS = frozenset(
        {
            "log",
            "reason",
            "note",
            "stage",
            "record_action",
            "action_status",
            "professional",
            "letter",
            "acknowledge",
            "undo",
            "leave_request",
            "leave_decide",
            "timetable",
        }
    )

    def __init__(self, pupil_id: int, on: date | None = None) -> None:
        super().__init__()
        self.pupil_id = pupil_id
        self.on_date = on  # the day the case is seen as on; None: the app's date
        self.case: CaseSummary | None = None
        self._made_tabs: set[str] = set()  # the LAZY_TABS whose panels have been made
        self._generation = 0
        self._data_version: int | None = None

    # --- building ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(Text("Loading the case…"), id="case-header")
        with TabbedContent(id="case-tabs"):
            with ScrollingPane("1 Attendance", id="tab-attendance"):
                yield Static("", id="case-attendance")  # figures, alerts and patterns
            # The other tabs' panels are made the first time the tab is shown (_make_tab).
            yield ScrollingPane("2 Register", id="tab-register")
            yield ScrollingPane("3 Contacts", id="tab-contacts")
            yield ScrollingPane("4 Timeline", id="tab-timeline")
        yield SteadyFooter()

    def _tab_panels(self, name: str, case: CaseSummary) -> list[Widget]:
        """A tab's panels (other than the Attendance tab's), showing ``case``."""
        if name == "register":
            return [Static(register_text(case), id="case-grid")]
        if name == "contacts":
            title, options = self.siblings_parts(case)
            siblings = OptionList(*options, id="case-siblings")
            siblings.display = bool(options)
            if options:
                siblings.highlighted = 0
            return [
                Static(contacts_table(case), id="case-contacts"),
                Static(title, id="siblings-title"),
                siblings,
            ]
        assert name == "timeline", name
        return [Static(timeline_tab(case), id="case-timeline")]

    async def _make_tab(self, name: str) -> None:
        """Make a tab's panels when it is first shown: only the Attendance tab is on view
        when the case opens, and the others (the timeline above all) cost time to build."""
        if name not in LAZY_TABS or name in self._made_tabs or self.case is None:
            return
        self._made_tabs.add(name)
        pane = self.query_one(f"#tab-{name}", ScrollingPane)
        await pane.mount_all(self._tab_panels(name, self.case))

    @on(TabbedContent.TabActivated, "#case-tabs")
    async def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        await self._make_tab((event.pane.id or "").removeprefix("tab-"))

    def on_mount(self) -> None:
        self.open_case()
        if self.case is None:
            self.title = "Case"
        self.set_interval(LIVE_CHECK_SECONDS, self.check_for_changes)

    def today(self) -> date:
        return self.now().date()

    # --- reading -------------------------------------------------------------------------

    def open_case(self) -> None:
        """The first read, on the interface thread before the first frame, so the screen
        opens whole: one case reads in a few milliseconds (a full year of marks and 200
        timeline entries: about 5 ms). Every later read goes to the worker (:meth:`load`)."""
        self._generation += 1
        try:
            case = self._read_case(self.store)
        except (StoreError, ValueError) as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.show(case, self._generation)

    def _read_case(self, store) -> CaseSummary:
        on = self.on_date or self.triage_app.requested_date or default_day(store, self.triage_app)
        return load_case(store, self.pupil_id, on, self.now())

    def load(self) -> None:
        """Read the case again (off the interface thread); only the latest read is shown."""
        self._generation += 1
        self._read(self._generation)

    @work(thread=True, group="case")
    def _read(self, generation: int) -> None:
        app = self.triage_app
        try:
            with app.connect() as store:
                case = self._read_case(store)
        except (StoreError, ValueError) as exc:
            app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        app.call_from_thread(self.show, case, generation)

    def check_for_changes(self) -> None:
        """Another officer's change (a cheap counter) reads the case again."""
        try:
            version = self.store.data_version()
        except Exception:  # a locked or vanished file must not crash the timer
            return
        if self._data_version is not None and version != self._data_version:
            self.load()
        self._data_version = version

    def show(self, case: CaseSummary, generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return  # an older read finishing late
        if self not in self.app.screen_stack:
            return  # closed while it was being read
        self.case = case
        self.on_date = case.on
        p = case.pupil
        self.title = p.display_name
        self.sub_title = f"case as on {case.on:%a %d %b %Y}"
        self.query_one("#case-header", Static).update(header_text(case, acknowledge_key="k"))
        self.query_one("#case-attendance", Static).update(attendance_text(case))
        if "register" in self._made_tabs:
            self.query_one("#case-grid", Static).update(register_text(case))
        if "contacts" in self._made_tabs:
            self.query_one("#case-contacts", Static).update(contacts_table(case))
            self.show_siblings(case)
        if "timeline" in self._made_tabs:
            self.query_one("#case-timeline", Static).update(timeline_tab(case))
        active = self.query_one("#case-tabs", TabbedContent).active.removeprefix("tab-")
        if active in LAZY_TABS and active not in self._made_tabs:  # shown before the read
            self.call_later(self._make_tab, active)

    @staticmethod
    def siblings_parts(case: CaseSummary) -> tuple[Text, list[Option]]:
        """The siblings' title and their options (none: no list to show)."""
        if not case.siblings:
            return Text("\nNo siblings on roll share a contact.", style="dim"), []
        options = []
        for s in case.siblings:
            label = Text(s.display_name)
            label.append(f"  Year {year_label(s.year_group)} {s.reg_group or ''}  {s.stage}")
            if not s.on_roll(case.on):
                label.append("  (left)", style="dim")
            options.append(Option(label, id=str(s.id)))
        return Text("\nSiblings (enter opens their case)", style="bold"), options

    def show_siblings(self, case: CaseSummary) -> None:
        title, options = self.siblings_parts(case)
        self.query_one("#siblings-title", Static).update(title)
        siblings = self.query_one("#case-siblings", OptionList)
        siblings.clear_options()
        siblings.display = bool(options)
        if options:
            siblings.add_options(options)
            siblings.highlighted = 0

    # --- moving about --------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    async def action_tab(self, name: str) -> None:
        self.query_one("#case-tabs", TabbedContent).active = f"tab-{name}"
        await self._make_tab(name)
        siblings = self.query("#case-siblings").results(OptionList)
        target: Widget | None = next(
            (s for s in siblings if name == "contacts" and s.display and s.option_count), None
        )
        if target is None:
            target = self.query_one(f"#tab-{name}", ScrollingPane)
        self.call_after_refresh(target.focus)  # once the pane is shown

    @on(OptionList.OptionSelected, "#case-siblings")
    def open_sibling(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.app.push_screen(
                CaseScreen(int(event.option.id), self.on_date), lambda _: self.load()
            )

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self))

    # --- writing -------------------------------------------------------------------------

    def _write(
        self,
        write: Callable[[Store], Any],
        done: Callable[[Any], str] | None = None,
        then: Callable[[Any], None] | None = None,
    ) -> None:
        """Run one store write (waiting for the lock in a worker if another officer holds
        it: OfficerScreen.write_soon), say what was done, read the case again, then
        ``then(result)``. An error is one line, never a traceback."""

        def saved(result: Any) -> None:
            if done is not None:
                self.notify(done(result), timeout=5, markup=False)
            self.load()
            if then is not None:
                then(result)

        self.write_soon(write, saved, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.notify(str(exc), severity="error", timeout=10, markup=False)

    def _unexplained(self) -> Mark | None:
        """The pupil's latest N mark (what a call or a reason is logged against)."""
        case = self.case
        if case is None:
            return None
        if case.latest_n is None:
            self.notify(
                f"{case.pupil.display_name} has no unexplained absence (N) to log against.",
                markup=False,
            )
        return case.latest_n

    def _entry(self, case: CaseSummary) -> QueueEntry:
        """The pupil as the queue's dialogs expect it: a family of one."""
        return QueueEntry(
            pupil=case.pupil,
            family_id=1,
            contacts=case.contacts,
            consecutive_days=case.consecutive_days,
            attendance=case.term,
            rolling_unauthorised=case.rolling_unauthorised,
            overdue_n=len(case.overdue_n),
        )

    def _guarded(self, mark: Mark, then: Callable[[str | None], None]) -> None:
        """Warn before logging for a pupil another officer has claimed; claim while we are."""
        pid = self.pupil_id
        holder = logbook.claims_for(self.store, mark.date, mark.session, at=self.now()).get(pid)
        self.claim_then([pid], mark.date, mark.session, holder, then, who="this pupil")

    def _release(self, mark: Mark) -> None:
        self.release_claims([self.pupil_id], mark.date, mark.session)

    def action_log(self, channel: str) -> None:
        mark = self._unexplained()
        case = self.case
        if mark is None or case is None:
            return
        entry = self._entry(case)
        attempts = logbook.attempts_for(self.store, mark.date, mark.session).get(self.pupil_id, [])
        status = status_of(
            mark.code,
            False,
            attempts,
            case.contacts,
            case.pupil.safeguarding,
            case.consecutive_days,
        )

        def open_dialog(holder: str | None) -> None:
            warning = f"{holder} is on this pupil too." if holder else None
            warning = (warning + " " if warning else "") + (
                f"Logging against the absence of {mark.date:%a %d/%m/%Y} {mark.session}."
            )
            self.app.push_screen(
                OutcomeDialog(
                    channel,
                    [entry],
                    entry,
                    status.next_contact,
                    mark.date,
                    warning,
                    check_reason=self.reason_check(mark.date, mark.session),
                ),
                lambda choice: self._logged(mark, choice),
            )

        self._guarded(mark, open_dialog)

    def _logged(self, mark: Mark, choice: OutcomeChoice | None) -> None:
        self._release(mark)
        if choice is None:
            return
        at = self.now()
        self._write(
            lambda store: logbook.log_attempt(
                store,
                choice.pupil_ids,
                mark.date,
                mark.session,
                choice.channel,
                choice.outcome.key,
                choice.contact,
                reason_code=choice.reason_code,
                callback_at=choice.callback_at,
                at=at,
            ),
            lambda logged: (
                logged.summary or f"{CHANNEL_LABELS.get(choice.channel, choice.channel)} logged"
            ),
        )

    def action_reason(self) -> None:
        mark = self._unexplained()
        case = self.case
        if mark is None or case is None:
            return

        def picked(code: str | None) -> None:
            self._release(mark)
            if code is not None:
                at = self.now()
                self._write(
                    lambda store: logbook.record_reason(
                        store, [self.pupil_id], mark.date, mark.session, code, at=at
                    ),
                    lambda logged: logged.summary,
                )

        title = f"Reason for {case.pupil.display_name}, {mark.date:%a %d/%m/%Y} {mark.session}"

        check = self.reason_check(mark.date, mark.session)

        def pick(_holder: str | None) -> None:
            self.app.push_screen(
                ReasonPicker(title, refuse=lambda code: check([self.pupil_id], code)), picked
            )

        self._guarded(mark, pick)

    def action_note(self) -> None:
        case = self.case
        if case is None:
            return

        def noted(text: str | None) -> None:
            if text:
                at = self.now()
                self._write(
                    lambda store: logbook.add_note(store, self.pupil_id, text, at=at),
                    lambda _logged: "Note added",
                )

        self.app.push_screen(
            Prompt(
                f"Note on {case.pupil.display_name}",
                "what happened, in a sentence",
                check=lambda t: None if t.strip() else "the note is empty",
            ),
            noted,
        )

    # --- stages --------------------------------------------------------------------------

    def action_stage(self, step: int) -> None:
        case = self.case
        if case is None:
            return
        rank = stage_rank(case.stage)
        candidates = list(STAGES[rank + 1 :]) if step > 0 else list(reversed(STAGES[:rank]))
        if not candidates:
            where = "top" if step > 0 else "first"
            self.notify(
                f"{case.pupil.display_name} is at the {where} stage, {case.stage_name}.",
                markup=False,
            )
            return
        self._stage_dialog(step > 0, candidates)

    def _stage_dialog(
        self,
        up: bool,
        candidates: list[str],
        previous: StageMove | None = None,
        error: str | None = None,
    ) -> None:
        assert self.case is not None
        review = self.today() + timedelta(weeks=REVIEW_WEEKS)
        self.app.push_screen(
            StageDialog(
                self.case.pupil.display_name,
                self.case.stage,
                candidates,
                up=up,
                review=review,
                previous=previous,
                error=error,
                stage_names=self.case.stage_names,
            ),
            lambda move: self._move(move, up, candidates) if move else None,
        )

    def _move(
        self, move: StageMove, up: bool, candidates: list[str], confirmed: bool = False
    ) -> None:
        at = self.now()

        def moved(change: cases.StageChange) -> None:
            names = self.case.stage_names if self.case else {}
            self.notify(cases.describe_stage_change(change, names).split(".")[0], markup=False)
            self.load()

        def refused(exc: Exception) -> None:
            if isinstance(exc, cases.NeedsConfirmation):
                self.app.push_screen(
                    Confirm(f"{exc}\n\nMove to {self._stage_name(move.to_stage)} anyway?"),
                    lambda yes: self._move(move, up, candidates, True) if yes else None,
                )
            else:  # the officer can correct it, or try again: the dialog, as typed
                self._stage_dialog(up, candidates, move, str(exc))

        self.write_soon(
            lambda store: cases.change_stage(
                store,
                self.pupil_id,
                move.to_stage,
                move.reason,
                move.review_date,
                holiday=move.holiday,
                confirmed=confirmed,
                at=at,
            ),
            moved,
            refused,
            expected=(cases.NeedsConfirmation,),
        )

    def _stage_name(self, stage: str) -> str:
        return self.case.name_of(stage) if self.case else stage

    # --- actions -------------------------------------------------------------------------

    def action_record_action(self) -> None:
        case = self.case
        if case is None:
            return

        def picked(kind: str | None) -> None:
            if kind is None:
                return
            if kind in cases.ENFORCE_KINDS and not self.triage_app.access.is_lead:
                label = cases.ACTION_KINDS[kind].label
                self.notify(f"Only a lead can record: {label}.", severity="error", markup=False)
                return
            if kind == "penalty_notice":
                self._penalty_form()
            else:
                self._action_form(kind)

        self.app.push_screen(
            Choice(
                f"Record an action for {case.pupil.display_name}",
                action_kind_options(),
                filterable=True,
            ),
            picked,
        )

    def _action_form(
        self, kind: str, previous: ActionInput | None = None, error: str | None = None
    ) -> None:
        due = None
        if kind == "notice_to_improve":
            due = letters.improvement_period(self.today(), letters.DEFAULT_PERIOD_WEEKS)[1]
        self.app.push_screen(
            ActionForm(kind, self.today(), due=due, previous=previous, error=error),
            lambda given: self._record(given) if given else None,
        )

    def _record(self, given: ActionInput) -> None:
        at = self.now()

        def recorded(action: cases.Action) -> None:
            self.notify(f"Recorded: {cases.describe_action(action)}", markup=False)
            self.load()

        self.write_soon(
            lambda store: cases.record_action(
                store,
                self.pupil_id,
                given.kind,
                given.on,
                note=given.note,
                due_date=given.due_date,
                detail={"barriers": list(given.barriers)} if given.barriers else None,
                at=at,
            ),
            recorded,
            # the officer can correct it, or try again: the form, as typed
            lambda exc: self._action_form(given.kind, given, str(exc)),
        )

    def _penalty_form(self, previous: PenaltyInput | None = None, error: str | None = None) -> None:
        assert self.case is not None
        self.app.push_screen(
            PenaltyForm(self.case.contacts, self.today(), previous=previous, error=error),
            lambda given: self._penalty_decision(given) if given else None,
        )

    def _penalty_decision(self, given: PenaltyInput) -> None:
        assert self.case is not None
        try:
            decision = penalties.next_notice(self.store, self.pupil_id, given.parent, given.on)
        except ValueError as exc:
            self._penalty_form(given, str(exc))
            return
        if decision.below_threshold:
            self._below_threshold(given, decision)
            return
        if not decision.allowed:
            title = (
                "A third penalty notice cannot be issued"
                if decision.third
                else "A penalty notice cannot be issued"
            )
            instead = f"\n\nInstead: {decision.route}." if decision.route else ""
            self.app.push_screen(Info(title, f"{decision.refused}{instead}"))
            return
        self.app.push_screen(
            Confirm(notice_text(decision, self.case.pupil.display_name)),
            lambda yes: self._issue(given) if yes else None,
        )

    def _below_threshold(self, given: PenaltyInput, decision: penalties.NoticeDecision) -> None:
        """Below the Framework's threshold a notice needs a lead's reason, kept with it."""
        from screens.outcome_dialog import Prompt

        def reasoned(reason: str | None) -> None:
            if reason:
                self._issue(given, override=reason)

        self.app.push_screen(
            Prompt(
                f"{decision.refused} Why issue it anyway? (kept in the audit trail)",
                "the lead's reason",
                check=lambda text: None if text.strip() else "a reason is needed",
            ),
            reasoned,
        )

    def _issue(self, given: PenaltyInput, override: str | None = None) -> None:
        at = self.now()

        def issued(action: cases.Action) -> None:
            self.notify(f"Recorded: {cases.describe_action(action)}", markup=False)
            self.load()

        def refused(exc: Exception) -> None:
            if isinstance(exc, penalties.NoticeRefused):  # another lead was quicker, or marks
                self.app.push_screen(Info("A penalty notice cannot be issued", str(exc)))
            else:  # nothing was saved: the form again, as typed
                self._penalty_form(given, str(exc))

        self.write_soon(
            lambda store: penalties.issue_penalty_notice(
                store,
                self.pupil_id,
                given.parent,
                given.on,
                note=given.note,
                override=override,
                requested=settings.get(store, "penalty_notices_by") == "la",
                at=at,
            ),
            issued,
            refused,
            expected=(penalties.NoticeRefused,),
        )

    # --- letters, alerts, chronology --------------------------------------------------------

    def action_letter(self) -> None:
        case = self.case
        if case is None:
            return
        folder = letters.school_templates_folder(self.store)
        try:
            templates = letters.available_templates(folder)
        except OSError as exc:
            self.notify(f"cannot read the templates: {exc}", severity="error", markup=False)
            return
        options = [
            (name, Text(name + ("" if shipped else "  (the school's own)")))
            for name, (_path, shipped) in templates.items()
        ]

        def picked(name: str | None) -> None:
            if name is None:
                return
            try:
                used = {f for f, _line in letters.load_template(name, folder).placeholders()}
            except letters.LetterError as exc:
                self.notify(str(exc), severity="error", timeout=10, markup=False)
                return
            signs = "officer_name" in used
            if used & set(letters.NEEDS_OPTION):
                self.app.push_screen(
                    Prompt(
                        f"{name}: the meeting's date and time",
                        "dd/mm/yyyy HH:MM",
                        check=_meeting_problem,
                    ),
                    lambda text: self._letter(name, *_meeting(text), signs) if text else None,
                )
            else:
                self._letter(name, None, None, signs)

        self.app.push_screen(Choice(f"Letter home for {case.pupil.display_name}", options), picked)

    def _letter(
        self, name: str, meeting_date: date | None, meeting_time: Any, signs: bool = True
    ) -> None:
        case = self.case
        assert case is not None
        if signs and officers.display_name(self.store) is None:
            # A letter is never signed with a login: ask for the name once, keep it, go on.
            login = self.store.officer

            def named(full_name: str | None) -> None:
                self._write(
                    lambda store: officers.set_display_name(store, login, full_name or ""),
                    lambda signed: f"Letters are now signed {signed}",
                    lambda _signed: self._letter(name, meeting_date, meeting_time),
                )

            self.app.push_screen(
                Prompt(
                    "Letters are signed with your full name: what is it?",
                    "e.g. Priya Shah",
                    check=lambda text: officers.display_name_problem(login, text),
                ),
                lambda full_name: named(full_name) if full_name else None,
            )
            return
        out = Path(self.triage_app.db_path).parent / LETTERS_FOLDER

        def done(written: list[letters.Letter]) -> str:
            return f"Letter written to {written[0].path}; 'letter sent' recorded on the case"

        at = self.now()
        self._write(
            lambda store: letters.write_letters(
                store,
                name,
                [case.pupil.upn],
                out_dir=out,
                fmt="html",
                today=self.today(),
                meeting_date=meeting_date,
                meeting_time=meeting_time,
                at=at,
            ),
            done,
        )

    def action_acknowledge(self) -> None:
        case = self.case
        if case is None:
            return
        waiting = list(case.open_alerts)
        if not waiting:
            self.notify("No alert is waiting to be acknowledged.")
            return
        if len(waiting) == 1:
            self._acknowledge(waiting[0])
            return
        options = [
            (str(n), Text(f"{a.label} (arose {dmy(a.arose_on)})")) for n, a in enumerate(waiting)
        ]
        self.app.push_screen(
            Choice("Acknowledge which alert?", options),
            lambda n: self._acknowledge(waiting[int(n)]) if n is not None else None,
        )

    def action_action_status(self) -> None:
        """Move an open action on: a Notice to Improve done, a referral cancelled, a
        penalty notice paid, unpaid or withdrawn (with what follows)."""
        case = self.case
        if case is None:
            return
        open_ones = penalties.changeable(case.actions)
        if not open_ones:
            self.notify("No open action to move on.")
            return

        def picked(value: str | None) -> None:
            action = next((a for a in open_ones if str(a.id) == value), None)
            if action is None:
                return
            if action.kind == prosecution.PROSECUTION_KIND:
                self._prosecution(action)
                return
            self.app.push_screen(
                Choice(
                    f"{action.label} of {dmy(action.on)}: now",
                    [(s, Text(s)) for s in penalties.statuses_for(action)],
                ),
                lambda status: self._change_status(action.id, status) if status else None,
            )

        self.app.push_screen(
            Choice(
                "Move which action on?",
                [(str(a.id), Text(cases.describe_action(a))) for a in open_ones],
            ),
            picked,
        )

    def action_professional(self) -> None:
        """Record the pupil's social worker or virtual school (whom the ladder's "social
        worker informed" step tells)."""
        case = self.case
        if case is None:
            return

        def picked(role: str | None) -> None:
            if role is not None:
                self._professional_form(role, None, None)

        self.app.push_screen(
            Choice(
                f"Who works with {case.pupil.display_name}?",
                [(role, Text(label)) for role, label in PROFESSIONAL_ROLES.items()],
            ),
            picked,
        )

    def _professional_form(
        self, role: str, previous: ProfessionalInput | None, error: str | None
    ) -> None:
        assert self.case is not None
        known = next((p for p in self.case.professionals if p.role == role), None)
        if previous is None and known is not None:
            previous = ProfessionalInput(
                role, known.name, known.team or "", known.phone or "", known.email or ""
            )
        label = f"{PROFESSIONAL_ROLES[role]} of {self.case.pupil.display_name}"

        def saved(given: ProfessionalInput | None) -> None:
            if given is None:
                return

            def recorded(done: Professional) -> None:
                self.notify(f"Recorded: {done.role_label}: {done.reach}", markup=False)
                self.load()

            self.write_soon(
                lambda store: record_professional(
                    store,
                    self.pupil_id,
                    given.role,
                    given.name,
                    team=given.team,
                    phone=given.phone,
                    email=given.email,
                ),
                recorded,
                # the officer can correct it, or try again: the form, as typed
                lambda exc: self._professional_form(role, given, str(exc)),
            )

        self.app.push_screen(ProfessionalForm(role, label, previous, error), saved)

    def _change_status(self, action_id: int, status: str) -> None:
        def next_step(outcome: penalties.NoticeOutcome) -> None:
            if outcome.next_step:
                self.app.push_screen(Info(f"{outcome.action.label}: {status}", outcome.next_step))

        today = self.today()
        action = (
            next((a for a in self.case.actions if a.id == action_id), None) if self.case else None
        )
        if action is not None and action.kind == "penalty_notice":
            # The day of the LA's reply, of service or of payment matters: asked, as today.
            fields = [
                FormField("on", f"{status.replace('_', ' at £')} on (dd/mm/yyyy)", dmy(today))
            ]
            if status == "declined":
                fields.append(FormField("reason", "The local authority's reason"))

            def said(outcome: penalties.NoticeOutcome) -> str:
                next_step(outcome)
                return f"{outcome.action.label}: {status}"

            self._form(
                f"Penalty notice of {dmy(action.on)}: {status}",
                fields,
                lambda store, v: penalties.change_status(
                    store, action_id, status, on=parse_date(v["on"]), note=v.get("reason")
                ),
                said,
            )
            return
        self._write(
            lambda store: penalties.change_status(store, action_id, status, on=today),
            lambda done: f"{done.action.label}: {status}",
            next_step,
        )

    def _prosecution(self, action: cases.Action) -> None:
        """A prosecution referral moves on by its hearings and its outcome (a lead)."""
        options = [("hearing", Text("A hearing (held or listed)"))]
        options += [(key, Text(f"Outcome: {label}")) for key, label in prosecution.OUTCOMES.items()]
        today = dmy(self.today())

        def picked(value: str | None) -> None:
            if value is None:
                return
            said: Callable[[cases.Action], str] = lambda done: (  # noqa: E731
                f"Recorded: {cases.describe_action(done)}"
            )
            if value == "hearing":
                self._form(
                    "A hearing of the prosecution",
                    [
                        FormField("on", "Hearing on (dd/mm/yyyy)", today),
                        FormField("court", "Court"),
                        FormField("note", "Note (optional)", required=False),
                    ],
                    lambda store, v: prosecution.record_hearing(
                        store, action.id, parse_date(v["on"]), v["court"], v["note"]
                    ),
                    said,
                )
                return
            fields = [FormField("on", "Decided on (dd/mm/yyyy)", today)]
            if value == "fined":
                fields.append(FormField("fine", "The fine, in pounds"))
            fields.append(FormField("note", "Note (optional)", required=False))

            def write(store: Store, v: dict[str, str]) -> cases.Action:
                fine = v.get("fine", "").lstrip("£").strip()
                if fine and not fine.isdigit():
                    raise ValueError(f"the fine is a whole number of pounds, not {fine!r}")
                return prosecution.record_outcome(
                    store,
                    action.id,
                    value,
                    parse_date(v["on"]),
                    fine=int(fine) if fine else None,
                    note=v["note"],
                )

            self._form(f"Prosecution: {prosecution.OUTCOMES[value]}", fields, write, said)

        self.app.push_screen(Choice(f"{action.label} of {dmy(action.on)}", options), picked)

    # --- leaving the roll; children missing education ---------------------------------------

    def action_missing_education(self) -> None:
        """Children missing education: record an enquiry made, or the local authority told
        with its reference (which clears the 10-day alert)."""
        case = self.case
        if case is None:
            return
        today, at = dmy(self.today()), self.now()
        options = [
            ("enquiry", Text("An enquiry made (a call, a visit, another school or an agency)")),
            ("notify", Text("The local authority told (with its reference)")),
        ]

        def picked(value: str | None) -> None:
            if value == "enquiry":
                self._form(
                    "Children missing education: an enquiry",
                    [
                        FormField("on", "Made on (dd/mm/yyyy)", today),
                        FormField("by", "By the school or the LA (school or la)", "school"),
                        FormField("person", "Made by (who)"),
                        FormField("contacted", "Of whom (a parent, a school, an agency)"),
                        FormField("what", "What was done and found"),
                    ],
                    lambda store, v: roll.record_enquiry(
                        store,
                        self.pupil_id,
                        parse_date(v["on"]),
                        v["by"].lower(),
                        v["person"],
                        v["contacted"],
                        v["what"],
                        at=at,
                    ),
                    lambda e: f"Recorded: {roll.describe_enquiry(e)}",
                )
            elif value == "notify":
                self._form(
                    "Children missing education: the local authority told",
                    [
                        FormField("on", "Told on (dd/mm/yyyy)", today),
                        FormField("reference", "The local authority's reference"),
                        FormField("how", "How (email, portal, phone…)"),
                        FormField("person", "Who at the LA (optional)", required=False),
                        FormField("reply", "Their reply (optional)", required=False),
                    ],
                    lambda store, v: roll.notify_la(
                        store,
                        self.pupil_id,
                        parse_date(v["on"]),
                        v["reference"],
                        how=v["how"],
                        person=v["person"],
                        reply=v["reply"],
                        at=at,
                    ),
                    lambda n: f"Recorded: {roll.describe_notification(n)}",
                )

        self.app.push_screen(
            Choice(f"Missing education: {case.pupil.display_name}", options), picked
        )

    def action_leave_roll(self) -> None:
        """Delete the pupil's name from the roll on a lawful ground, with the local
        authority told (a lead). The 20-day absence ground is offered only when met."""
        case = self.case
        if case is None:
            return
        if case.deletion is not None:
            self.notify(
                f"Already off the roll: {roll.describe_deletion(case.deletion)}", markup=False
            )
            return
        on = self.today()
        offered = roll.grounds_offered(self.store, self.pupil_id, on)
        title = f"Delete {case.pupil.display_name} from the roll: on which ground?"
        if roll.ABSENCE_GROUND not in offered:
            check = roll.absence_ground(self.store, self.pupil_id, on)
            title += f" (20-day absence ground not met: {check.reason})"
        options = [(key, Text(ground.label)) for key, ground in offered.items()]
        self.app.push_screen(
            Choice(title, options), lambda ground: self._deletion_form(ground) if ground else None
        )

    def _deletion_form(self, ground: str) -> None:
        today, at = dmy(self.today()), self.now()
        needs = roll.GROUNDS[ground].needs
        fields = [FormField("on", "Deleted from the roll on (dd/mm/yyyy)", today)]
        if needs == "school":
            fields.append(FormField("school", "The school now attended"))
        if needs == "notice":
            fields.append(FormField("notice", "The parent's written notice came on (dd/mm/yyyy)"))
        fields += [
            FormField("la_told", "Local authority told on (dd/mm/yyyy)", today),
            FormField("how", "How it was told (email, portal, letter…)"),
            FormField("reference", "Its reference (optional)", required=False),
            FormField("note", "Note (optional)", required=False),
        ]
        self._form(
            roll.GROUNDS[ground].label,
            fields,
            lambda store, v: roll.record_deletion(
                store,
                self.pupil_id,
                ground,
                parse_date(v["on"]),
                la_told_on=parse_date(v["la_told"]),
                la_told_how=v["how"],
                la_reference=v["reference"],
                school=v.get("school"),
                notice_received_on=parse_optional_date(v.get("notice", "")),
                note=v["note"],
                at=at,
            ),
            lambda d: f"Recorded: {roll.describe_deletion(d)}",
        )

    # --- leave of absence and part-time timetables ---------------------------------------

    def _form(
        self,
        title: str,
        fields: list[FormField],
        write: Callable[[Store, dict[str, str]], Any],
        said: Callable[[Any], str],
        error: str | None = None,
    ) -> None:
        """A form of one-line fields, then one write; when the domain refuses, the form
        again with the answers as typed and the one-line reason."""

        def given(values: dict[str, str] | None) -> None:
            if values is None:
                return
            typed = [FormField(f.key, f.label, values[f.key], f.required) for f in fields]

            def done(result: Any) -> None:
                self.notify(said(result), timeout=6, markup=False)
                self.load()

            self.write_soon(
                lambda store: write(store, values),
                done,
                lambda exc: self._form(title, typed, write, said, str(exc)),
            )

        self.app.push_screen(FieldsForm(title, fields, error), given)

    def action_leave_request(self) -> None:
        """Record a parent's request for leave of absence (the head teacher decides: d)."""
        case = self.case
        if case is None:
            return
        at = self.now()
        fields = [
            FormField("first", "First day (dd/mm/yyyy, then AM or PM; AM if not said)"),
            FormField("last", "Last day (dd/mm/yyyy, then AM or PM; PM if not said)"),
            FormField("reason", "Reason given for the leave"),
            FormField("asked_by", "Asked by (the parent)"),
            FormField("asked_on", "Asked on (dd/mm/yyyy)", dmy(self.today())),
        ]

        def write(store: Store, v: dict[str, str]) -> leave.LeaveRequest:
            return leave.request_leave(
                store,
                self.pupil_id,
                leave.parse_slot(v["first"], "AM"),
                leave.parse_slot(v["last"], "PM"),
                v["reason"],
                v["asked_by"],
                parse_date(v["asked_on"]),
                at=at,
            )

        self._form(
            f"Leave request for {case.pupil.display_name}",
            fields,
            write,
            lambda r: f"Recorded: {leave.describe(r)}",
        )

    def action_leave_decide(self) -> None:
        """Enter the head teacher's decision on a leave request (a lead, as their delegate)."""
        case = self.case
        if case is None:
            return
        if not self.triage_app.access.is_lead:
            self.notify(
                "Only a lead can enter a decision on leave (as the head teacher's delegate).",
                severity="error",
            )
            return
        waiting = [r for r in case.leave if r.decision is None]
        if not waiting:
            self.notify("No leave request is waiting for a decision (o records one).")
            return

        def decision_for(request: leave.LeaveRequest) -> None:
            self.app.push_screen(
                Choice(
                    f"Leave {request.dates_text}: the head teacher's decision",
                    [(d, Text(d)) for d in leave.DECISIONS],
                ),
                lambda d: self._decide(request, d) if d else None,
            )

        if len(waiting) == 1:
            decision_for(waiting[0])
            return
        by_id = {str(r.id): r for r in waiting}
        self.app.push_screen(
            Choice(
                "Decide which request?", [(k, Text(leave.describe(r))) for k, r in by_id.items()]
            ),
            lambda k: decision_for(by_id[k]) if k else None,
        )

    def _decide(self, request: leave.LeaveRequest, decision: str) -> None:
        today, at = self.today(), self.now()
        fields = [
            FormField("by", "Decided by (the head teacher or their delegate)"),
            FormField("note", "Note (optional)", required=False),
        ]

        def said(done: leave.LeaveDecision) -> str:
            text = f"Leave {done.request.decision} by {done.request.decided_by}"
            return text + (f"; {done.recoded} N mark(s) recoded to C" if done.recoded else "")

        self._form(
            f"Leave {request.dates_text}: {decision}",
            fields,
            lambda store, v: leave.decide_leave(
                store, request.id, decision, v["by"], note=v["note"], on=today, at=at
            ),
            said,
        )

    def action_timetable(self) -> None:
        """Record a part-time timetable, or move an open one on (a review, the LA told,
        its end)."""
        case = self.case
        if case is None:
            return
        options = [("new", Text("Record a new part-time timetable"))]
        for t in case.timetables:
            if t.open:
                since = f"(timetable from {dmy(t.starts)})"
                options += [
                    (f"review:{t.id}", Text(f"Review held {since}")),
                    (f"la:{t.id}", Text(f"Local authority told {since}")),
                    (f"end:{t.id}", Text(f"Timetable ended {since}")),
                ]
        self.app.push_screen(
            Choice(f"Part-time timetable for {case.pupil.display_name}", options),
            lambda picked: self._timetable(picked) if picked else None,
        )

    def _timetable(self, picked: str) -> None:
        assert self.case is not None
        today, at = dmy(self.today()), self.now()
        what, _, ident = picked.partition(":")
        said: Callable[[timetables.Timetable], str] = lambda t: (  # noqa: E731
            f"Recorded: {timetables.describe(t)}"
        )
        if what == "new":
            fields = [
                FormField("starts", "Starts (dd/mm/yyyy)", today),
                FormField("end", "Planned end (dd/mm/yyyy)"),
                FormField("reviews", "Review dates (dd/mm/yyyy, separated by spaces)"),
                FormField("agreed_with", "Agreed with (the parent)"),
                FormField("agreed_on", "Agreed on (dd/mm/yyyy)", today),
                FormField("la", "Local authority told on (dd/mm/yyyy, optional)", required=False),
                FormField("note", "Note (optional)", required=False),
            ]

            def write(store: Store, v: dict[str, str]) -> timetables.Timetable:
                return timetables.record_timetable(
                    store,
                    self.pupil_id,
                    parse_date(v["starts"]),
                    parse_date(v["end"]),
                    [parse_date(d) for d in v["reviews"].replace(",", " ").split()],
                    v["agreed_with"],
                    parse_date(v["agreed_on"]),
                    la_notified_on=parse_optional_date(v["la"]),
                    note=v["note"],
                    at=at,
                )

            self._form("A part-time timetable", fields, write, said)
            return
        timetable_id = int(ident)
        if what == "review":
            fields = [
                FormField("on", "Review held on (dd/mm/yyyy)", today),
                FormField("note", "What was decided (optional)", required=False),
                FormField("next", "Next review (dd/mm/yyyy, optional)", required=False),
            ]
            self._form(
                "Part-time timetable review",
                fields,
                lambda store, v: timetables.record_review(
                    store,
                    timetable_id,
                    parse_date(v["on"]),
                    v["note"],
                    next_review=parse_optional_date(v["next"]),
                    at=at,
                ),
                said,
            )
        elif what == "la":
            self._form(
                "The local authority was told of the part-time timetable",
                [FormField("on", "Told on (dd/mm/yyyy)", today)],
                lambda store, v: timetables.notify_la(store, timetable_id, parse_date(v["on"])),
                said,
            )
        else:
            self._form(
                "The part-time timetable ended (back to full time)",
                [FormField("on", "Ended on (dd/mm/yyyy)", today)],
                lambda store, v: timetables.end_timetable(store, timetable_id, parse_date(v["on"])),
                said,
            )

    def _acknowledge(self, alert: alerts.Alert) -> None:
        at = self.now()
        self._write(
            lambda store: alerts.acknowledge(store, alert, at=at),
            lambda done: f"Acknowledged: {done.label} (arose {dmy(done.arose_on)})",
        )

    def action_undo(self) -> None:
        """Undo this officer's last action (a call, a stage move, an action, …), as on the
        queue: it may be on another pupil's case, and the message says whose."""
        try:
            with self.store.patience(QUICK_WRITE_MS):  # busy: said at once, try again
                undone = logbook.undo_last(self.store)
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if undone is None:
            self.notify("Nothing of yours to undo.")
            return
        names = ", ".join(p.display_name for p in self.store.pupils(undone.pupil_ids))
        self.notify(f"Undone: your last {undone.action} — {names}", timeout=5, markup=False)
        self.load()

    def action_chronology(self) -> None:
        if self.case is not None:
            self._write_chronology(self.case.on)

    @work(thread=True, group="case")
    def _write_chronology(self, until: date) -> None:
        """The chronology for a referral, as a printable page beside the database."""
        from triage.private_files import write_private
        from triage.store import folder_for_records

        app = self.triage_app
        try:
            with app.connect() as store:
                record = build_chronology(store, self.pupil_id, until, now=self.now())
            database = Path(app.db_path)
            folder = database.parent / CHRONOLOGY_FOLDER
            mode = folder_for_records(folder, database)
            path = folder / f"{record.pupil.upn}-chronology-{until.isoformat()}.html"
            write_private(path, render(record, "html"), mode)
        except (StoreError, ValueError, OSError) as exc:
            app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        app.call_from_thread(self.notify, f"Chronology written to {path}", markup=False)


def default_day(store, app) -> date:
    """The app's day when it was given none: today if it has marks, else the latest."""
    from triage.morning.queue import NoMarksError, default_date

    try:
        return default_date(store, app.now().date())
    except NoMarksError as exc:
        raise StoreError(str(exc)) from exc


def _meeting(text: str) -> tuple[date, Any]:
    from datetime import time

    day_text, _, time_text = text.strip().rpartition(" ")
    day = parse_day(day_text)
    hour, _, minute = time_text.replace(".", ":").partition(":")
    if day is None or not hour.isdigit() or not minute.isdigit():
        raise ValueError(text)
    return day, time(int(hour), int(minute))


def _meeting_problem(text: str) -> str | None:
    try:
        _meeting(text)
    except ValueError:
        return "write the meeting as dd/mm/yyyy HH:MM, e.g. 01/12/2026 09:30"
    return None
