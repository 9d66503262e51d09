"""Letters home: templates with {{ field }} placeholders, rendered to printable HTML or
Markdown for each pupil, written 0600 and recorded as a ``letter_sent`` action — on a real
copy of the demo school and on small hand-made MIS exports."""

from __future__ import annotations

import argparse
import json
import os
import stat
from datetime import date, time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.conftest import DEMO_MORNING, database_dump
from triage.casework.cases import actions_of, record_action, timeline
from triage.casework.letters import (
    FIELDS,
    SHIPPED_TEMPLATES,
    LetterError,
    available_templates,
    write_letters,
)
from triage.cli.args import add_letter_parser
from triage.cli.letters import run_letter_command
from triage.cli.main import main
from triage.imports.importers import import_files
from triage.officers import AccessDenied, add_officer, display_name, set_display_name
from triage.rules import (
    attendance,
    rolling_unauthorised_sessions,
    school_days,
    school_year_start,
    term_start,
)
from triage.store import Store, open_store

SHIPPED = ("attendance-concern", "meeting-invitation", "notice-to-improve", "attendance-contract")
SHIPPED += ("praise",)
MEETING = {"meeting_date": date(2026, 12, 1), "meeting_time": time(9, 30)}
AMY = "A123456789012"
HOSTILE = "<script>alert('x')</script>"


@pytest.fixture
def store(store: Store) -> Store:
    """conftest's store, its officer named: a letter is never signed with a login."""
    set_display_name(store, store.officer, "Officer One")
    return store


@pytest.fixture
def demo(demo: Store) -> Store:
    """conftest's demo school, its officer named."""
    set_display_name(demo, demo.officer, "Officer One")
    return demo


def _most_unauthorised_upn(store: Store) -> str:
    """A demo pupil whose figures are not all zero: the most unauthorised marks."""
    return store.conn.execute(
        "SELECT p.upn FROM marks m JOIN pupils p ON p.id = m.pupil_id"
        " WHERE m.code IN ('G', 'N', 'O', 'U') GROUP BY p.id ORDER BY COUNT(*) DESC, p.upn"
        " LIMIT 1"
    ).fetchone()[0]


def _upns(store: Store, n: int) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT upn FROM pupils ORDER BY upn LIMIT ?", (n,))]


def _school(store: Store, tmp_path: Path, forename: str = "Amy", contact: str | None = None):
    marks = tmp_path / "marks.csv"
    marks.write_text(
        "UPN,Surname,Forename,Year,Reg,Date,Session,Mark\n"
        f'{AMY},Smith,"{forename}",3,3R,24/11/2026,AM,N\n'
        f'{AMY},Smith,"{forename}",3,3R,24/11/2026,PM,/\n',
        encoding="utf-8",
    )
    import_files(store, "marks", [marks])
    if contact is not None:
        contacts = tmp_path / "contacts.csv"
        contacts.write_text(
            "UPN,Contact Name,Relationship,Contact Priority,Telephone,Mobile,Email,"
            f'Parental Responsibility\n{AMY},"{contact}",Mother,1,,07700 900111,,Yes\n',
            encoding="utf-8",
        )
        import_files(store, "contacts", [contacts])
    return store


class _Balance(HTMLParser):
    """Checks that every element is closed, in order (void elements excepted)."""

    VOID = {"meta", "br", "hr", "img", "link", "input", "col", "area", "base", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def _parse(text: str) -> _Balance:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    return parser


# --- the shipped templates ---------------------------------------------------------------------


def test_the_five_letters_of_the_issue_are_shipped() -> None:
    assert set(SHIPPED) <= set(available_templates(None))


@pytest.mark.parametrize("fmt", ["html", "markdown"])
@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_template_renders_for_a_demo_pupil(
    demo: Store, tmp_path: Path, name: str, fmt: str
) -> None:
    upn = _most_unauthorised_upn(demo)
    pupil = demo.pupil_by_upn(upn)
    [letter] = write_letters(
        demo, name, [upn], out_dir=tmp_path / "out", fmt=fmt, today=DEMO_MORNING, **MEETING
    )
    text = letter.path.read_text(encoding="utf-8")
    assert letter.path.name == f"{upn}-{name}.{'html' if fmt == 'html' else 'md'}"
    assert "{{" not in text and "}}" not in text
    assert pupil.forename in text and "Riverside Academy (demo)" in text
    assert "24 November 2026" in text


def test_notice_to_improve_states_the_improvement_period_and_that_a_penalty_may_follow(
    demo: Store, tmp_path: Path
) -> None:
    """National Framework for Penalty Notices: the Notice to Improve gives an improvement
    period; a penalty notice may follow."""
    [letter] = write_letters(
        demo,
        "notice-to-improve",
        [_most_unauthorised_upn(demo)],
        out_dir=tmp_path,
        fmt="markdown",
        today=DEMO_MORNING,
        period_weeks=3,
        period_start=date(2026, 11, 30),
    )
    text = " ".join(letter.path.read_text(encoding="utf-8").split())
    assert "**3 weeks**, from **30 November 2026** to **20 December 2026**" in text
    assert "a penalty notice may be issued" in text
    assert "£80 if paid within 21 days, or £160 if paid within 28 days" in text


def test_improvement_period_starts_the_next_weekday_by_default(demo: Store, tmp_path: Path) -> None:
    upn = _upns(demo, 1)[0]
    [letter] = write_letters(
        demo, "notice-to-improve", [upn], out_dir=tmp_path, today=date(2026, 11, 27)
    )  # a Friday: the period starts on Monday 30 November and lasts 4 weeks
    detail = actions_of(demo, letter.pupil_id, "letter_sent")[0].detail
    assert (detail["period_start"], detail["period_end"]) == ("2026-11-30", "2026-12-27")


# --- what a letter says -----------------------------------------------------------------------


def test_letter_figures_match_the_rules_computed_directly(demo: Store, tmp_path: Path) -> None:
    folder = tmp_path / "school-templates"
    folder.mkdir()
    (folder / "figures.md").write_text(
        "{{ attendance_term }}|{{ attendance_year }}|{{ sessions_missed_term }}|"
        "{{ sessions_missed_year }}|{{ unauthorised_sessions_10_weeks }}|{{ term_start }}\n",
        encoding="utf-8",
    )
    upn = _most_unauthorised_upn(demo)
    pupil = demo.pupil_by_upn(upn)
    [letter] = write_letters(
        demo,
        "figures",
        [upn],
        out_dir=tmp_path / "out",
        fmt="markdown",
        templates_dir=folder,
        today=DEMO_MORNING,
    )
    marks = demo.marks_by_pupil([pupil.id])[pupil.id]
    term = attendance(marks, term_start(DEMO_MORNING), DEMO_MORNING)
    year = attendance(marks, school_year_start(DEMO_MORNING), DEMO_MORNING)
    rolling = rolling_unauthorised_sessions(marks, school_days(demo.date_codes()), DEMO_MORNING)
    assert rolling > 0
    expected = (
        f"{term.percent:.1f}%|{year.percent:.1f}%|{term.possible - term.attending}|"
        f"{year.possible - year.attending}|{rolling}|1 September 2026\n"
    )
    assert letter.path.read_text(encoding="utf-8") == expected


def test_letter_is_addressed_to_the_priority_one_contact(store: Store, tmp_path: Path) -> None:
    _school(store, tmp_path, contact="Jane Smith")
    [letter] = write_letters(store, "praise", [AMY], out_dir=tmp_path / "out", fmt="markdown")
    assert "Dear Jane Smith," in letter.path.read_text(encoding="utf-8")


def test_a_pupil_with_no_contacts_gets_parent_carer_of(store: Store, tmp_path: Path) -> None:
    _school(store, tmp_path)
    [letter] = write_letters(store, "praise", [AMY], out_dir=tmp_path / "out", fmt="markdown")
    assert "Dear Parent/Carer of Amy Smith," in letter.path.read_text(encoding="utf-8")


def test_letter_is_signed_with_the_officers_display_name(store: Store, tmp_path: Path) -> None:
    _school(store, tmp_path)
    add_officer(store, "officer.one", "lead", display_name="Ms Priya Shah")
    [letter] = write_letters(store, "praise", [AMY], out_dir=tmp_path / "out", fmt="markdown")
    assert "Ms Priya Shah" in letter.path.read_text(encoding="utf-8")


# --- HTML -------------------------------------------------------------------------------------


def test_html_letter_is_well_formed(demo: Store, tmp_path: Path) -> None:
    [letter] = write_letters(
        demo, "meeting-invitation", _upns(demo, 1), out_dir=tmp_path, today=DEMO_MORNING, **MEETING
    )
    parsed = _parse(letter.path.read_text(encoding="utf-8"))
    assert parsed.problems == [] and parsed.stack == []
    assert parsed.tags[0] == "html" and {"head", "body", "ul", "strong"} <= set(parsed.tags)


def test_html_letter_is_printable_and_self_contained(demo: Store, tmp_path: Path) -> None:
    [letter] = write_letters(demo, "praise", _upns(demo, 1), out_dir=tmp_path, today=DEMO_MORNING)
    text = letter.path.read_text(encoding="utf-8")
    assert "@page" in text and "page-break-after: always" in text
    parsed = _parse(text)
    assert not {"script", "link", "img", "iframe"} & set(parsed.tags)
    assert not [v for k, v in parsed.attrs if k in ("src", "href")]


def test_hostile_names_are_inert_in_html(store: Store, tmp_path: Path) -> None:
    _school(store, tmp_path, forename=HOSTILE, contact="<img src=x onerror=alert(1)>")
    [letter] = write_letters(store, "attendance-concern", [AMY], out_dir=tmp_path / "out")
    text = letter.path.read_text(encoding="utf-8")
    parsed = _parse(text)
    assert not {"script", "img"} & set(parsed.tags) and parsed.problems == []
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "Dear &lt;img src=x onerror=alert(1)&gt;," in text


def test_hostile_names_stay_text_when_the_markdown_letter_is_rendered(
    store: Store, tmp_path: Path
) -> None:
    _school(store, tmp_path, forename=HOSTILE + " **bold** [link](http://evil)")
    [letter] = write_letters(store, "praise", [AMY], out_dir=tmp_path / "out", fmt="markdown")
    rendered = MarkdownIt("commonmark").render(letter.path.read_text(encoding="utf-8"))
    assert "<script>" not in rendered and "<a " not in rendered
    assert "&lt;script&gt;" in rendered and "**bold**" in rendered


# --- errors: checked before anything is written ----------------------------------------------


def test_unknown_field_names_the_field_and_line_and_writes_nothing(
    demo: Store, tmp_path: Path
) -> None:
    folder = demo.path.parent / "templates"
    folder.mkdir()
    (folder / "praise.md").write_text(
        "Dear {{ contact_name }},\n\nWell done\n{{ pupil_nmae }} today.\n", encoding="utf-8"
    )
    before = database_dump(demo.path)
    with pytest.raises(LetterError, match=r"line 4: there is no field \{\{ pupil_nmae \}\}"):
        write_letters(demo, "praise", _upns(demo, 3), out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert demo.count("actions") == 0
    assert database_dump(demo.path) == before


def test_a_broken_placeholder_names_its_line(store: Store, tmp_path: Path) -> None:
    _school(store, tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "praise.md").write_text("Hello\n{{ surname\n", encoding="utf-8")
    with pytest.raises(LetterError, match="line 2: '{{ surname' is not a placeholder"):
        write_letters(store, "praise", [AMY], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unknown_upn_fails_before_anything_is_written(demo: Store, tmp_path: Path) -> None:
    before = database_dump(demo.path)
    with pytest.raises(LetterError, match="no pupil with UPN Z999999999999"):
        write_letters(demo, "praise", [*_upns(demo, 2), "Z999999999999"], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert database_dump(demo.path) == before


def test_unknown_template_lists_the_available_ones(demo: Store, tmp_path: Path) -> None:
    with pytest.raises(LetterError) as caught:
        write_letters(demo, "warning", _upns(demo, 1), out_dir=tmp_path)
    assert "no letter template 'warning'" in str(caught.value)
    assert all(name in str(caught.value) for name in SHIPPED)


def test_a_meeting_invitation_needs_the_meeting_date(demo: Store, tmp_path: Path) -> None:
    with pytest.raises(LetterError, match="meeting_date .*give --meeting-date"):
        write_letters(demo, "meeting-invitation", _upns(demo, 1), out_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_a_viewer_cannot_write_letters(store: Store, tmp_path: Path) -> None:
    _school(store, tmp_path)
    add_officer(store, "officer.one", "lead")
    add_officer(store, "someone.else", "viewer")
    viewer = open_store(store.path, officer="someone.else")
    with pytest.raises(AccessDenied):
        write_letters(viewer, "praise", [AMY], out_dir=tmp_path / "out")
    viewer.close()
    assert not (tmp_path / "out").exists() and store.count("actions") == 0


# --- the school's own templates --------------------------------------------------------------


def test_a_school_template_beside_the_database_overrides_the_shipped_one(
    demo: Store, tmp_path: Path
) -> None:
    folder = demo.path.parent / "templates"
    folder.mkdir()
    (folder / "praise.md").write_text(
        "# Riverside praise\n\nBrilliant, {{ preferred_forename }}!\n", encoding="utf-8"
    )
    upn = _upns(demo, 1)[0]
    [letter] = write_letters(demo, "praise", [upn], out_dir=tmp_path / "out", fmt="markdown")
    text = letter.path.read_text(encoding="utf-8")
    assert text.startswith("# Riverside praise") and "Well done" not in text
    assert (SHIPPED_TEMPLATES / "praise.md").read_text().count("Well done") == 1
    detail = actions_of(demo, letter.pupil_id, "letter_sent")[0].detail
    assert detail["source"] == str(folder / "praise.md")


# --- files and the case record ---------------------------------------------------------------


def test_letter_files_are_private_to_their_owner(demo: Store, tmp_path: Path) -> None:
    upn = _upns(demo, 1)[0]
    old = tmp_path / f"{upn}-praise.html"
    old.write_text("an old copy, readable by all")
    old.chmod(0o644)
    mask = os.umask(0)
    try:
        [letter] = write_letters(demo, "praise", [upn], out_dir=tmp_path, today=DEMO_MORNING)
    finally:
        os.umask(mask)
    assert letter.path == old
    assert stat.S_IMODE(letter.path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".letter-")] == []


def test_a_new_letters_folder_is_private_beside_a_private_database(
    demo: Store, tmp_path: Path
) -> None:
    upn = _upns(demo, 1)[0]
    folder = tmp_path / "letters"
    [letter] = write_letters(demo, "praise", [upn], out_dir=folder, today=DEMO_MORNING)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(letter.path.stat().st_mode) == 0o600


def test_a_team_databases_letters_folder_is_shared_with_its_group(
    demo: Store, tmp_path: Path
) -> None:
    """A team database (0660, see open_store's group): every officer on the team must be
    able to write letters into the folder the first one made, and read them to print."""
    demo.path.chmod(0o660)
    upn = _upns(demo, 1)[0]
    folder = tmp_path / "letters"
    mask = os.umask(0o077)  # a strict umask must not undo it
    try:
        [letter] = write_letters(demo, "praise", [upn], out_dir=folder, today=DEMO_MORNING)
    finally:
        os.umask(mask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o2770
    assert folder.stat().st_gid == demo.path.stat().st_gid
    assert stat.S_IMODE(letter.path.stat().st_mode) == 0o660


def test_writing_a_letter_records_a_letter_sent_action_and_audit_event(
    demo: Store, tmp_path: Path
) -> None:
    upn = _upns(demo, 1)[0]
    [letter] = write_letters(
        demo, "attendance-concern", [upn], out_dir=tmp_path, today=DEMO_MORNING
    )
    [action] = actions_of(demo, letter.pupil_id, "letter_sent")
    assert (action.on, action.note, action.officer) == (
        DEMO_MORNING,
        "attendance-concern",
        "officer.one",
    )
    assert action.detail["template"] == "attendance-concern"
    assert action.detail["file"] == str(letter.path)
    event = demo.conn.execute(
        "SELECT action, entity, entity_id, detail FROM events WHERE id = ?", (action.event_id,)
    ).fetchone()
    assert event[:3] == ("action", "pupil", str(letter.pupil_id))
    assert json.loads(event[3])["after"]["kind"] == "letter_sent"
    assert "Letter sent home" in timeline(demo, letter.pupil_id)[0].text


def test_several_upns_give_several_files_and_actions(demo: Store, tmp_path: Path) -> None:
    upns = _upns(demo, 3)
    out = tmp_path / "out"
    letters = write_letters(demo, "praise", upns, out_dir=out, fmt="markdown")
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{u}-praise.md" for u in upns)
    assert [letter.upn for letter in letters] == upns
    assert demo.count("actions") == 3
    assert len({letter.event_id for letter in letters}) == 3


# --- the command ------------------------------------------------------------------------------


def _run(db: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="triage")
    add_letter_parser(parser.add_subparsers(dest="command"), [])
    return run_letter_command(parser.parse_args(["letter", *argv]), db)


def test_the_letter_command_writes_letters_with_the_school_templates_folder(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ours"
    folder.mkdir()
    (folder / "invite.md").write_text(
        "{{ meeting_date }} at {{ meeting_time }}, {{ meeting_place }}\n", encoding="utf-8"
    )
    with open_store(demo_db) as s:
        upn = _upns(s, 1)[0]
    code = _run(
        demo_db,
        "invite",
        upn,
        "--templates",
        str(folder),
        "--out",
        str(tmp_path / "out"),
        "--format",
        "markdown",
        "--dated",
        "2026-11-24",
        "--meeting-date",
        "2026-12-01",
        "--meeting-time",
        "14:15",
        "--meeting-place",
        "the library",
    )
    assert code == 0 and "1 letter(s) written" in capsys.readouterr().out
    text = (tmp_path / "out" / f"{upn}-invite.md").read_text(encoding="utf-8")
    assert text == "Tuesday 1 December 2026 at 2:15pm, the library\n"


def test_the_letter_command_lists_templates_and_fields(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(demo_db, "--list") == 0
    out = capsys.readouterr().out
    assert all(name in out for name in SHIPPED) and "unauthorised_sessions_10_weeks" in out


def test_the_docs_list_every_field() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "letters.md").read_text()
    assert [f for f in FIELDS if f"`{f}`" not in docs] == []


# --- the signature: a full name, never a login ----------------------------------------------


def test_the_letter_command_refuses_an_officer_with_no_name_and_writes_nothing(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(demo_db) as s:
        upn, login = _upns(s, 1)[0], s.officer
    before = database_dump(demo_db)
    out = tmp_path / "out"
    code = main(["letter", "praise", upn, "--db", str(demo_db), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1
    assert f'triage officers name {login} "Your Full Name"' in err
    assert not out.exists() or list(out.iterdir()) == []
    assert database_dump(demo_db) == before


def test_officers_name_records_the_signature_and_the_next_letter_uses_it(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(demo_db) as s:
        upn, login = _upns(s, 1)[0], s.officer
    assert main(["officers", "name", login, "Priya  Shah", "--db", str(demo_db)]) == 0
    out = tmp_path / "out"
    argv = ["letter", "praise", upn, "--db", str(demo_db), "--out", str(out), "--format"]
    assert main([*argv, "markdown"]) == 0
    text = (out / f"{upn}-praise.md").read_text(encoding="utf-8")
    assert "Priya Shah\\\nAttendance Officer, " in text  # single-user mode: not a lead's title
    assert f"\n{login}\\" not in text
    with open_store(demo_db) as s:
        (detail,) = s.conn.execute(
            "SELECT detail FROM events WHERE action = 'officer-name' AND entity_id = ?", (login,)
        ).fetchone()
    assert json.loads(detail) == {"before": None, "after": "Priya Shah"}


@pytest.mark.parametrize("name", ["officer.one", "  ", "1234"])
def test_a_login_or_no_name_is_refused_as_a_signature(store: Store, name: str) -> None:
    with pytest.raises(ValueError):
        set_display_name(store, "officer.one", name)
    assert display_name(store) == "Officer One"  # unchanged


def test_a_lead_signs_as_attendance_lead_and_an_officer_may_name_only_themselves(
    store: Store, tmp_path: Path
) -> None:
    add_officer(store, "officer.one", "lead", display_name="Ms Priya Shah")
    add_officer(store, "someone.else", "officer")
    other = open_store(store.path, officer="someone.else")
    try:
        with pytest.raises(AccessDenied):
            set_display_name(other, "officer.one", "Someone Else")
        assert set_display_name(other, "someone.else", "Sam Else") == "Sam Else"
    finally:
        other.close()
    _school(store, tmp_path)
    [letter] = write_letters(store, "praise", [AMY], out_dir=tmp_path / "out", fmt="markdown")
    assert "Ms Priya Shah\\\nAttendance Lead, " in letter.path.read_text(encoding="utf-8")


def test_notice_to_improve_states_the_support_offered_the_legal_duty_and_prosecution(
    demo: Store, tmp_path: Path
) -> None:
    """The letter names the support recorded on the case (filled from it, no logic in the
    template), the parent's duty (Education Act 1996 s7, s444) and what follows."""
    upn = _most_unauthorised_upn(demo)
    pupil_id = demo.pupil_by_upn(upn).id
    record_action(
        demo, pupil_id, "meeting_held", date(2026, 11, 2), detail={"barriers": ["transport"]}
    )
    record_action(demo, pupil_id, "early_help_referral", date(2026, 11, 9))
    record_action(demo, pupil_id, "letter_sent", date(2026, 11, 10))  # not support
    [letter] = write_letters(
        demo, "notice-to-improve", [upn], out_dir=tmp_path, fmt="markdown", today=DEMO_MORNING
    )
    text = " ".join(letter.path.read_text(encoding="utf-8").split())
    assert (
        "The support we have already offered: a meeting with you (about: transport) on "
        "2 November 2026; an Early Help referral on 9 November 2026." in text
    )
    assert "section 7 of the Education Act 1996" in text and "section 444" in text
    assert "may instead prosecute" in text


def test_notice_to_improve_says_when_no_support_is_recorded(demo: Store, tmp_path: Path) -> None:
    upn = _upns(demo, 1)[0]
    [letter] = write_letters(
        demo, "notice-to-improve", [upn], out_dir=tmp_path, fmt="markdown", today=DEMO_MORNING
    )
    assert "already offered: none recorded." in " ".join(letter.path.read_text().split())
