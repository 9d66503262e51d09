"""A pupil's case as Rich renderables, one set shared by the case screen
(:mod:`screens.case_screen`) and ``triage case`` (:mod:`triage.cli.case`), so the
terminal app and the command line show a case the same way.

- :func:`header_text`: who the pupil is, the stage, the alerts waiting (the screen's header);
- :func:`attendance_text`: the figures against their thresholds, the suggested stage, the
  alerts and the patterns of absence (the screen's Attendance tab), built from
  :func:`figures_text`, :func:`badges_text`, :func:`thresholds_text`,
  :func:`suggestion_text`, :func:`alerts_text` and :func:`patterns_text`;
- :func:`register_text` (the Register tab; :func:`grid_text` is its grid and
  :func:`legend_lines` its legend);
- :func:`contacts_table` and :func:`timeline_tab` (the Contacts and Timeline tabs: the
  calling ladder's steps still to do, :func:`to_do_table`, apart from what was done,
  :func:`timeline_table`), and
  the same as lines for the command line, :func:`contacts_text`, :func:`siblings_text` and
  :func:`timeline_text` (a table cuts what does not fit the terminal; a line keeps it all);
- :func:`case_text`: all of it, one below the other, as ``triage case`` prints it;
- :func:`notice_text`: a penalty notice about to be issued, in words.

Every text from the database goes into a ``Text``, never into markup.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from triage import rules
from triage.casework import cases, penalties
from triage.casework.alerts import ALERT_LABELS
from triage.casework.chronology import flags_of
from triage.dates import dmy
from triage.model import AttendanceSummary, year_label

if TYPE_CHECKING:
    from triage.casework.chronology import CaseSummary

CELL_STYLES = {
    cases.Cell.PRESENT: "green",
    cases.Cell.APPROVED: "cyan",
    cases.Cell.AUTHORISED: "yellow",
    cases.Cell.UNAUTHORISED: "bold red",
    cases.Cell.NOT_POSSIBLE: "dim",
    cases.Cell.NO_MARK: "magenta",
    cases.Cell.NOT_SCHOOL_DAY: "dim",
}

FIGURES_HEADINGS = ("possible", "present", "authorised", "unauthorised", "attendance")


def _dmy(d: date | None) -> str:
    return dmy(d) or "—"


# --- the header ------------------------------------------------------------------------------


def header_text(case: CaseSummary, acknowledge_key: str | None = None) -> Group:
    """Who the pupil is (the legal name when another is preferred, UPN, year and group, the
    flags, the day they left), the stage, and the alerts waiting to be acknowledged.
    ``acknowledge_key`` is the key that acknowledges them, where there is one (the screen's)."""
    p = case.pupil
    who = Text(p.display_name, style="bold")
    if p.preferred_forename and p.preferred_forename != p.legal_forename:
        who.append(f" (legal: {p.legal_forename})", style="dim")
    who.append(f"  UPN {p.upn}  Year {year_label(p.year_group)} {p.reg_group or ''}")
    flags = flags_of(p)
    if flags:
        who.append("  " + " ".join(flags), style="bold red")
    if p.date_left:
        who.append(f"  left {_dmy(p.date_left)}", style="bold")
    lines = [who, stage_text(case)]
    if case.deletion is not None:  # deleted from the roll in the app: off the queue since
        d = case.deletion
        off = Text(f"Off the roll from {_dmy(d.deleted_on)}: {d.ground_label}", style="bold red")
        off.append(f" (LA told {_dmy(d.la_told_on)})", style="")
        lines.append(off)
    waiting = case.open_alerts
    if waiting:
        key = f" ({acknowledge_key})" if acknowledge_key else ""
        line = Text(f"{len(waiting)} alert(s) to acknowledge{key}: ", style="bold yellow")
        line.append(", ".join(a.label for a in waiting))
        line.no_wrap, line.overflow = True, "ellipsis"
        lines.append(line)
    return Group(*lines)


def as_on_text(case: CaseSummary) -> Text:
    """The school and the day the case is seen as on (the screen's title bar shows it)."""
    return Text(f"{case.school} · as on {case.on:%A %d %B %Y}", style="dim")


def stage_text(case: CaseSummary) -> Text:
    text = Text("Stage: ")
    text.append(case.stage_name, style="bold")
    if case.stage_since is not None:
        text.append(f" since {_dmy(case.stage_since)} ({case.days_at_stage} days)")
    else:
        text.append(" (never changed)")
    text.append(f" · review {_dmy(case.next_review)}")
    if case.next_review is not None and case.next_review <= case.on:
        text.append(" (due)", style="bold yellow")
    if case.suggestion is not None:
        text.append(" · suggested: ")
        text.append(case.name_of(case.suggestion.stage), style="bold magenta")
    return text


# --- attendance ------------------------------------------------------------------------------


def attendance_text(case: CaseSummary) -> Text:
    """The figures, the suggested stage, the alerts and the patterns of absence, one below
    the other, as one Text (the case screen shows it in one widget: each widget costs time
    to mount, lay out and paint, and Text paints faster than a Rich table)."""
    panels = [figures_text(case), badges_text(case), thresholds_text(case)]
    if case.suggestion is not None:
        panels.append(suggestion_text(case))
    panels += [alerts_text(case), patterns_text(case)]
    if case.leave or case.timetables:
        panels.append(leave_text(case))
    return Text("\n").join(panels)


def leave_text(case: CaseSummary) -> Text:
    """Leave requests and part-time timetables, one a line (only when there are some)."""
    from triage.casework import leave, timetables

    text = Text("Leave and part-time timetables", style="bold")
    for t in case.timetables:
        text.append("\n  " + timetables.describe(t))
    for r in case.leave:
        text.append("\n  " + leave.describe(r))
    return text


def figures_text(case: CaseSummary) -> Text:
    """This term and this school year: possible, present, authorised, unauthorised, %.

    Laid out as a Rich ``Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))`` lays it
    out when it has the room (headings in bold, a space between columns, the figures to
    the right), but as plain Text: a table costs a few milliseconds each time it is
    measured and painted, and the case screen opens on it."""
    rows = []
    for label, s in (("This term", case.term), ("This school year", case.year)):
        pct = "—" if s.percent is None else f"{s.percent:.1f}%"
        values = [str(s.possible), str(s.attending), str(s.authorised), str(s.unauthorised), pct]
        rows.append((label, values, _badge(s)[1]))
    first = max(len(label) for label, _values, _style in rows)
    widths = [
        max(len(heading), *(len(values[i]) for _label, values, _style in rows))
        for i, heading in enumerate(FIGURES_HEADINGS)
    ]
    text = Text()
    text.append(" " * first, style="bold")
    for heading, width in zip(FIGURES_HEADINGS, widths, strict=True):
        text.append(" " + heading.rjust(width), style="bold")
    for label, values, style in rows:
        text.append("\n" + label.ljust(first))
        *numbers, pct = values
        for value, width in zip(numbers, widths, strict=False):
            text.append(" " + value.rjust(width))
        text.append(" " * (widths[-1] - len(pct) + 1))
        text.append(pct, style=style)
    return text


SEVERE = ALERT_LABELS["severe_absence"].upper()  # the alerts' own words, in capitals
PERSISTENT = ALERT_LABELS["persistent_absence"].upper()
_STYLE_OF = {SEVERE: "bold red", PERSISTENT: "bold yellow"}


def _badge(s: AttendanceSummary) -> tuple[str, str]:
    if s.severe_absence:
        return f"{SEVERE} (missing 50% or more)", _STYLE_OF[SEVERE]
    if s.persistent_absence:
        return f"{PERSISTENT} (missing 10% or more)", _STYLE_OF[PERSISTENT]
    return "", ""


def badges_text(case: CaseSummary) -> Text:
    """The persistent/severe absence badges, for this term and this school year."""
    found: dict[str, list[str]] = {}
    for label, s in (("this term", case.term), ("this school year", case.year)):
        badge, _style = _badge(s)
        if badge:
            found.setdefault(badge, []).append(label)
    text = Text()
    for badge, periods in found.items():
        name, _, meaning = badge.partition(" (")
        text.append(name, style=_STYLE_OF[name])
        text.append(f" {' and '.join(periods)} ({meaning}  ")
    return text


def thresholds_text(case: CaseSummary) -> Text:
    text = Text(
        f"Term from {case.term_start:%d/%m/%Y}, year from {case.year_start:%d/%m/%Y}"
        " (present: in school or at approved off-site activity)\n",
        style="dim",
    )
    rolling = case.rolling_unauthorised
    style = "bold red" if rolling >= rules.PENALTY_NOTICE_SESSIONS else ""
    text.append("Unauthorised sessions in the rolling 10 school weeks: ")
    text.append(f"{rolling} of {rules.PENALTY_NOTICE_SESSIONS}", style=style)
    days = case.consecutive_days
    style = "bold red" if days >= rules.MISSING_EDUCATION_DAYS else ""
    text.append("\nConsecutive school days of unauthorised absence: ")
    text.append(f"{days} of {rules.MISSING_EDUCATION_DAYS}", style=style)
    note = case.school_age_note
    if note is not None:
        prompts = "" if case.of_compulsory_school_age else ": no penalty-notice or CME prompt"
        text.append("\nCompulsory school age: ")
        text.append(f"{note}{prompts}", style="bold yellow")
    text.append("\nN marks older than 5 school days: ")
    if case.overdue_n:
        oldest = case.overdue_n[0]
        text.append(
            f"{len(case.overdue_n)} (oldest {oldest.date:%d/%m/%Y} {oldest.session})",
            style="bold yellow",
        )
    else:
        text.append("none")
    return text


def suggestion_text(case: CaseSummary) -> Text:
    """The stage the rules suggest, and why (empty when they suggest none)."""
    if case.suggestion is None:
        return Text()
    why = Text("Suggested stage: ", style="bold")
    why.append(case.name_of(case.suggestion.stage), style="bold magenta")
    why.append(f" — {case.suggestion.reason}. The stage moves only when you move it.")
    return why


def alerts_text(case: CaseSummary) -> Text:
    """Every alert on the case: the waiting ones in bold, the acknowledged dim, with who
    acknowledged them and when."""
    text = Text("\nAlerts\n", style="bold")
    for a in case.alerts:
        text.append(f"  {a.label}", style="bold" if a.acknowledged is None else "dim")
        text.append(f" (arose {_dmy(a.arose_on)}): ")
        text.append(a.message)
        if a.acknowledged is not None:
            text.append(
                f" — acknowledged by {a.acknowledged.officer} {a.acknowledged.at:%d/%m/%Y %H:%M}",
                style="dim",
            )
        text.append("\n")
    if not case.alerts:
        text.append("  none\n")
    return text


def patterns_text(case: CaseSummary) -> Text:
    p = case.patterns
    text = Text(f"Missed sessions this term (from {case.term_start:%d/%m/%Y}): ")
    text.append("  ".join(f"{d} {n}" for d, n in zip(cases.WEEKDAYS, p.by_weekday, strict=True)))
    text.append(f"   AM {p.by_session.get('AM', 0)}  PM {p.by_session.get('PM', 0)}\n")
    if p.callout:
        text.append(p.callout, style="bold")
    else:
        text.append("No weekday or session stands out.", style="dim")
    return text


# --- the register ----------------------------------------------------------------------------


def register_text(case: CaseSummary) -> Group:
    """The register's heading, its grid and the grid's legend (the screen's Register tab)."""
    weeks = len(case.grid.weeks)
    text = Text(f"The register, last {weeks} school weeks (AM and PM each day)", style="bold")
    text.append(" — all on record\n" if weeks < 12 else "\n", style="dim")
    text.append_text(grid_text(case.grid))
    text.rstrip()  # the legend's lines follow at once
    return Group(text, legend_lines(case.grid))


class Entries:
    """Short entries side by side, as many to a line as the width takes: a line breaks
    only between entries, never inside one ("authorised" alone at the end of a line and
    "absence" on the next read as two entries)."""

    def __init__(self, entries: list[Text], gap: int = 2) -> None:
        self.entries = entries
        self.gap = gap

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        line = Text()
        for entry in self.entries:
            if line and line.cell_len + self.gap + entry.cell_len > options.max_width:
                yield line
                line = Text()
            if line:
                line.append(" " * self.gap)
            line.append_text(entry)
        if line:
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = [e.cell_len for e in self.entries] or [0]
        return Measurement(max(widths), sum(widths) + self.gap * (len(widths) - 1))


def legend_lines(grid: cases.Grid) -> Entries:
    """What each character of the grid means, one whole phrase an entry."""
    entries = []
    for char, meaning in grid.legend:
        entry = Text(char, style=CELL_STYLES[cases.Cell(meaning)])
        entry.append(f" {meaning}")
        entries.append(entry)
    return Entries(entries)


def grid_text(grid: cases.Grid) -> Text:
    """The register picture: one row a school week, AM and PM a day (the legend is
    :func:`legend_lines`)."""
    text = Text("week of     Mon Tue Wed Thu Fri\n", style="bold")
    for week in grid.weeks:
        text.append(f"{week.monday:%d/%m/%Y}  ")
        for am, pm in week.cells:
            text.append(am.char, style=CELL_STYLES[am.kind])
            text.append(pm.char, style=CELL_STYLES[pm.kind])
            text.append("  ")
        codes = Counter(
            c.code
            for pair in week.cells
            for c in pair
            if c.code and c.kind not in (cases.Cell.PRESENT, cases.Cell.NOT_SCHOOL_DAY)
        )
        if codes:
            text.append(" ".join(f"{k}×{n}" for k, n in sorted(codes.items())), style="dim")
        if week.after_break:
            text.append("  after a break", style="dim italic")
        text.append("\n")
    if not grid.weeks:
        text.append("no school days on record\n", style="dim")
    return text


# --- contacts, siblings, timeline ------------------------------------------------------------


def contacts_table(case: CaseSummary) -> Table:
    table = Table(title="Contacts, in the order to call", title_justify="left", expand=True)
    for col in ("#", "name", "relationship", "numbers", "email", "PR"):
        table.add_column(col)
    home = case.pupil.where
    around = [f"{p.role_label}: {p.reach}" for p in case.professionals]
    if home or around:
        lines = ([f"Home: {home}"] if home else []) + around
        table.caption = Text("\n".join(lines))  # a Text: an address is never markup
        table.caption_justify = "left"
    for c in case.contacts:
        name = Text(c.name)
        if c.where and c.where != home:
            name.append(f"\n{c.where}", style="dim")
        table.add_row(
            str(c.priority),
            name,
            Text(c.relationship or ""),
            Text(" / ".join(c.numbers)),
            Text(c.email or ""),
            "yes" if c.parental_responsibility else "",
        )
    if not case.contacts:
        table.add_row("", Text("none on file"), "", "", "", "")
    return table


def timeline_tab(case: CaseSummary) -> Group:
    """The Timeline tab: the calling ladder's steps still to do, apart, then what was done."""
    if not case.to_do:
        return Group(timeline_table(case))
    return Group(to_do_table(case), Text(""), timeline_table(case))


def _to_do_title(case: CaseSummary) -> str:
    return f"Calling ladder, still to do ({case.on:%a %d %b})"


def to_do_table(case: CaseSummary) -> Table:
    """The ladder's steps not done yet for the day's absence: due time, overdue marked."""
    table = Table(title=_to_do_title(case), title_justify="left", expand=True)
    table.add_column("due", no_wrap=True)
    table.add_column("step", ratio=1)
    table.add_column("", no_wrap=True)
    for t in case.to_do:
        table.add_row(
            f"{t.session} {t.due:%H:%M}",
            Text(t.label),
            Text("overdue", style="bold red") if t.overdue else Text(""),
        )
    return table


def timeline_table(case: CaseSummary) -> Table:
    table = Table(title="Timeline, newest first", title_justify="left", expand=True)
    table.add_column("when", no_wrap=True)
    table.add_column("officer", no_wrap=True)
    table.add_column("what", ratio=1)
    for e in case.timeline:
        table.add_row(f"{e.when:%d/%m/%Y %H:%M}", Text(e.officer), Text(e.text))
    if not case.timeline:
        table.add_row("", "", Text("nothing recorded yet"))
    return table


# --- the same, as lines for the command line ---------------------------------------------
# A table keeps to the terminal's width, cutting what does not fit; a line printed to a pipe
# or a file keeps everything, and reads with grep.


def contacts_text(case: CaseSummary) -> Text:
    """The contacts in the order to call, one a line."""
    text = Text("Contacts", style="bold")
    for c in case.contacts:
        text.append(f"\n  {c.priority}. {c.name} ({c.relationship or 'contact'})")
        text.append(f"  {' / '.join(c.numbers) or c.email or 'no number'}")
        if c.parental_responsibility:
            text.append("  PR", style="bold")
        if c.where and c.where != case.pupil.where:
            text.append(f"\n     {c.where}", style="dim")
    if case.pupil.where:
        text.append(f"\n  Home: {case.pupil.where}")
    for p in case.professionals:
        text.append(f"\n  {p.role_label}: {p.reach}")
    if not case.contacts:
        text.append("\n  none on file")
    return text


def siblings_text(case: CaseSummary) -> Text:
    """The siblings on roll (pupils sharing a contact) with their UPNs, one a line; empty
    when there are none (the screen lists them in an OptionList, to open their cases)."""
    if not case.siblings:
        return Text()
    text = Text("Siblings", style="bold")
    for s in case.siblings:
        text.append(f"\n  {s.display_name}  {s.upn}  Year {year_label(s.year_group)}")
        text.append(f" {s.reg_group or ''}  {case.name_of(s.stage)}")
        if not s.on_roll(case.on):
            text.append("  (left)", style="dim")
    return text


def timeline_text(case: CaseSummary) -> Text:
    """The calling ladder's steps still to do, apart, then the timeline, newest first, one
    entry a line."""
    text = Text()
    if case.to_do:
        text.append(_to_do_title(case), style="bold")
        for t in case.to_do:
            text.append(f"\n  {t.session} {t.due:%H:%M}  ")
            text.append(t.label)
            if t.overdue:
                text.append("  overdue", style="bold red")
        text.append("\n\n")
    text.append("Timeline (newest first)", style="bold")
    for e in case.timeline:
        text.append(f"\n  {e.when:%d/%m/%Y %H:%M}  {e.officer:<14} ")
        text.append(e.text)
    if not case.timeline:
        text.append("\n  nothing recorded yet")
    return text


# --- the whole case --------------------------------------------------------------------------


def case_text(case: CaseSummary) -> list[RenderableType]:
    """What ``triage case`` prints, in order: the screen's header and its Attendance and
    Register tabs, then the contacts, siblings and timeline as lines."""
    out: list[RenderableType] = [
        header_text(case),
        as_on_text(case),
        Text(""),
        attendance_text(case),
        Text(""),
        register_text(case),
        Text(""),
        contacts_text(case),
    ]
    if case.siblings:
        out += [Text(""), siblings_text(case)]
    out += [Text(""), timeline_text(case)]
    return out


# --- a penalty notice ------------------------------------------------------------------------


def notice_text(decision: penalties.NoticeDecision, pupil_name: str) -> str:
    """What a penalty notice would be, in words (first or second, amounts and dates)."""
    number = "First" if decision.number == 1 else "Second"
    text = (
        f"{number} penalty notice to {decision.parent} for {pupil_name}, "
        f"issued {_dmy(decision.on)}."
    )
    if decision.earlier:
        dates = ", ".join(_dmy(a.on) for a in decision.earlier)
        text += f" Earlier notice within 3 years: {dates}."
    if decision.reduced_amount and decision.reduced_by:
        text += (
            f"\n£{decision.reduced_amount} if paid by {_dmy(decision.reduced_by)} "
            f"({penalties.REDUCED_DAYS} days), "
        )
    else:
        text += "\nNo reduced rate for a second notice: "
    assert decision.full_by is not None
    text += (
        f"£{decision.full_amount} if paid by {_dmy(decision.full_by)} ({penalties.FULL_DAYS} days)."
    )
    for warning in decision.warnings:
        text += f"\nNote: {warning}"
    return text + "\n\nIssue this notice?"
