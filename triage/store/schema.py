"""The database's schema, as an ordered list of migrations keyed by ``PRAGMA user_version``.

Migration i takes a database at user_version i to i + 1. Never edit a released step; append
a new one. Each is tested by upgrading a database made at the version before
(tests/test_store.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first used: it is a fifth of the app's start-up time
    import sqlite_utils

PUPIL_FLAGS = (
    "social_worker",
    "child_protection",
    "looked_after",
    "sen_support",
    "ehc_plan",
    "free_school_meals",
    "young_carer",
)


# --- migrations -------------------------------------------------------------------------
# An ordered list: migration i takes a database at user_version i to i + 1. Never edit a
# released step; append a new one. Each is tested by upgrading a database made before it.


def _v1_core(db: sqlite_utils.Database) -> None:
    db.create_table(
        "settings",
        {"key": str, "value": str},
        pk="key",
        not_null={"value"},
    )
    db.create_table(
        "pupils",
        {
            "id": int,
            "upn": str,
            "admission_number": str,
            "legal_forename": str,
            "legal_surname": str,
            "preferred_forename": str,
            "year_group": int,
            "reg_group": str,
            **{flag: int for flag in PUPIL_FLAGS},
            "date_left": str,
            "stage": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"upn", "legal_forename", "legal_surname", "stage", *PUPIL_FLAGS},
        defaults={"stage": "Expect", **{flag: 0 for flag in PUPIL_FLAGS}},
    )
    db.table("pupils").create_index(["upn"], unique=True)
    db.table("pupils").create_index(["admission_number"])
    db.create_table(
        "contacts",
        {
            "id": int,
            "contact_key": str,
            "name": str,
            "phone": str,
            "mobile": str,
            "home_phone": str,
            "work_phone": str,
            "email": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"contact_key", "name"},
    )
    db.table("contacts").create_index(["contact_key"], unique=True)
    db.create_table(
        "pupil_contacts",
        {
            "pupil_id": int,
            "contact_id": int,
            "priority": int,
            "relationship": str,
            "parental_responsibility": int,
        },
        pk=("pupil_id", "contact_id"),
        foreign_keys=[("pupil_id", "pupils", "id"), ("contact_id", "contacts", "id")],
        not_null={"priority", "parental_responsibility"},
        defaults={"parental_responsibility": 0},
    )
    db.table("pupil_contacts").create_index(["contact_id"])
    db.create_table(
        "imports",
        {
            "id": int,
            "file_name": str,
            "sha256": str,
            "kind": str,
            "rows": int,
            "counts": str,
            "imported_at": str,
            "imported_by": str,
        },
        pk="id",
        not_null={"file_name", "sha256", "kind", "rows", "imported_at", "imported_by"},
    )
    db.table("imports").create_index(["sha256"])
    # Raw DDL: sqlite-utils cannot make a WITHOUT ROWID table, and marks are the one big
    # table (760,000 rows for 2,000 pupils' year). One B-tree keyed by pupil, date and
    # session keeps a pupil's history together and halves the cost of a bulk import; the
    # partial index finds the morning's unexplained absences without indexing every mark.
    db.execute(
        """
        CREATE TABLE marks (
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            date TEXT NOT NULL,            -- ISO yyyy-mm-dd
            session TEXT NOT NULL CHECK (session IN ('AM', 'PM')),
            code TEXT NOT NULL,            -- the mark in force: the MIS's, or an officer's recode
            mis_code TEXT NOT NULL,        -- what the MIS export last said
            minutes_late INTEGER,
            import_id INTEGER,             -- imports.id of the export it last came from
            amended INTEGER NOT NULL DEFAULT 0,  -- 1 when an officer changed it in the app
            queued INTEGER NOT NULL DEFAULT 0,   -- 1 once the MIS has said N: in that queue
            PRIMARY KEY (pupil_id, date, session)
        ) WITHOUT ROWID
        """
    )
    # The queue for a session is every mark the MIS ever gave as N, so a pupil recoded after
    # a call, or shown present by a later export ("arrived"), stays in it. Queries must say
    # queued = 1 literally (not a bound parameter) to use this partial index.
    db.execute("CREATE INDEX marks_queued ON marks(date, session) WHERE queued = 1")


def _v2_audit(db: sqlite_utils.Database) -> None:
    db.create_table(
        "events",
        {
            "id": int,
            "at": str,
            "officer": str,
            "action": str,
            "entity": str,
            "entity_id": str,
            "detail": str,  # JSON: before and after values, counts
        },
        pk="id",
        not_null={"at", "officer", "action"},
    )
    db.table("events").create_index(["entity", "entity_id"])
    # The audit trail is append-only.
    db.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    )


def _v3_outcomes(db: sqlite_utils.Database) -> None:
    """First-day calling: contact attempts, recodes and notes. Each row points at the audit
    event of the officer's action that made it (one action may cover a whole family), so
    "undo my last action" finds every row of that action, and marks them undone rather
    than deleting them: the undo is itself on the record."""
    db.create_table(
        "attempts",
        {
            "id": int,
            "event_id": int,
            "pupil_id": int,
            "date": str,  # the absence the attempt is about
            "session": str,
            "at": str,
            "officer": str,
            "channel": str,  # call, text, email, visit, escalation, callback
            "outcome": str,
            "contact_id": int,
            "contact_name": str,
            "number": str,
            "reason_code": str,
            "note": str,
            "callback_at": str,
            "undone_event_id": int,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("pupil_id", "pupils", "id"),
            ("contact_id", "contacts", "id"),
            ("undone_event_id", "events", "id"),
        ],
        not_null={"event_id", "pupil_id", "date", "session", "at", "officer", "channel", "outcome"},
    )
    db.table("attempts").create_index(["date", "session", "pupil_id"])
    db.create_table(
        "recodes",
        {
            "id": int,
            "event_id": int,
            "pupil_id": int,
            "date": str,
            "session": str,
            "old_code": str,
            "new_code": str,
            "reason": str,
            "at": str,
            "officer": str,
            "undone_event_id": int,
            "exported_at": str,  # when it went out in an MIS amendments file
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("pupil_id", "pupils", "id"),
            ("undone_event_id", "events", "id"),
        ],
        not_null={
            "event_id",
            "pupil_id",
            "date",
            "session",
            "old_code",
            "new_code",
            "at",
            "officer",
        },
    )
    db.table("recodes").create_index(["date", "session", "pupil_id"])
    db.create_table(
        "notes",
        {
            "id": int,
            "event_id": int,
            "pupil_id": int,
            "at": str,
            "officer": str,
            "text": str,
            "undone_event_id": int,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("pupil_id", "pupils", "id"),
            ("undone_event_id", "events", "id"),
        ],
        not_null={"event_id", "pupil_id", "at", "officer", "text"},
    )
    db.table("notes").create_index(["pupil_id"])
    # Who is working on a pupil's absence right now (a dialog open). A claim lapses by its
    # expiry time, so a dropped SSH connection never leaves a pupil locked.
    db.create_table(
        "claims",
        {
            "pupil_id": int,
            "date": str,
            "session": str,
            "officer": str,
            "claimed_at": str,
            "expires_at": str,
        },
        pk=("pupil_id", "date", "session"),
        foreign_keys=[("pupil_id", "pupils", "id")],
        not_null={"officer", "claimed_at", "expires_at"},
    )


def _v4_officers(db: sqlite_utils.Database) -> None:
    """Who may use this database. Empty = single-user mode: whoever can open the file."""
    db.execute(
        """
        CREATE TABLE officers (
            login TEXT PRIMARY KEY,        -- the operating-system login name
            role TEXT NOT NULL CHECK (role IN ('lead', 'officer', 'viewer')),
            display_name TEXT,
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL
        )
        """
    )


def _v5_cases(db: sqlite_utils.Database) -> None:
    """Cases: stage changes, the formal actions of each stage, and alert acknowledgements.
    pupils.stage stays the stage in force (read by the queue); stage_changes is its
    history, each with the officer's reason and the next review date."""
    db.create_table(
        "stage_changes",
        {
            "id": int,
            "event_id": int,
            "pupil_id": int,
            "from_stage": str,
            "to_stage": str,
            "reason": str,
            "review_date": str,
            "at": str,
            "officer": str,
            "undone_event_id": int,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("pupil_id", "pupils", "id"),
            ("undone_event_id", "events", "id"),
        ],
        not_null={"event_id", "pupil_id", "from_stage", "to_stage", "reason", "at", "officer"},
    )
    db.table("stage_changes").create_index(["pupil_id"])
    db.create_table(
        "actions",
        {
            "id": int,
            "event_id": int,
            "pupil_id": int,
            "kind": str,  # triage.casework.cases.ACTION_KINDS
            "date": str,  # when it happened (ISO date)
            "note": str,
            "due_date": str,  # review / due date, or a Notice to Improve's period end
            "status": str,  # e.g. open, done; for a penalty notice: issued, paid, unpaid
            "detail": str,  # JSON: barriers for a meeting, parent and amount for a notice
            "at": str,
            "officer": str,
            "undone_event_id": int,
        },
        pk="id",
        foreign_keys=[
            ("event_id", "events", "id"),
            ("pupil_id", "pupils", "id"),
            ("undone_event_id", "events", "id"),
        ],
        not_null={"event_id", "pupil_id", "kind", "date", "at", "officer"},
    )
    db.table("actions").create_index(["pupil_id", "kind"])
    db.create_table(
        "alert_acks",
        {
            "pupil_id": int,
            "kind": str,  # triage.casework.cases alert kinds
            "arose_on": str,  # the date the alert arose: a new occurrence is a new alert
            "event_id": int,
            "at": str,
            "officer": str,
        },
        pk=("pupil_id", "kind", "arose_on"),
        foreign_keys=[("pupil_id", "pupils", "id"), ("event_id", "events", "id")],
        not_null={"event_id", "at", "officer"},
    )


def _v6_date_codes(db: sqlite_utils.Database) -> None:
    """Which codes each date has, kept beside the marks: the school days (dates with any
    mark but '#') are needed by every screen, and finding them in the marks themselves is
    a pass over every mark (0.2 s for a year of 2,000 pupils). Kept by the importer."""
    db.execute(
        "CREATE TABLE date_codes (date TEXT NOT NULL, code TEXT NOT NULL,"
        " PRIMARY KEY (date, code)) WITHOUT ROWID"
    )
    db.execute("INSERT INTO date_codes (date, code) SELECT DISTINCT date, code FROM marks")


def _v7_unmarked(db: sqlite_utils.Database) -> None:
    """Sessions an export said were not taken yet (SIMS writes ``-``, others leave the mark
    blank): never a mark, never a possible session, never an absence. Kept only until a
    mark for the same pupil, date and session arrives, so that a register still not taken
    after it closed can be shown (the queue's header, the summary)."""
    db.execute(
        "CREATE TABLE unmarked (pupil_id INTEGER NOT NULL REFERENCES pupils(id),"
        " date TEXT NOT NULL, session TEXT NOT NULL, import_id INTEGER NOT NULL,"
        " PRIMARY KEY (date, session, pupil_id)) WITHOUT ROWID"
    )


def _v8_roster_details(db: sqlite_utils.Database) -> None:
    """From the roster: a pupil's date of birth (who is of compulsory school age, Education
    Act 1996 s8, and so who the statutory prompts apply to), and where pupils and their
    contacts live (address lines as one text, and the postcode), for home visits."""
    db.execute("ALTER TABLE pupils ADD COLUMN date_of_birth TEXT")
    for table in ("pupils", "contacts"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN address TEXT")
        db.execute(f"ALTER TABLE {table} ADD COLUMN postcode TEXT")


def _v9_professionals(db: sqlite_utils.Database) -> None:
    """The professionals around a child (a social worker; for a looked-after child, the
    virtual school): whom the ladder's "social worker informed" step tells, and how. One of
    each role per pupil, from the roster or entered on the case."""
    db.create_table(
        "professionals",
        {
            "pupil_id": int,
            "role": str,
            "name": str,
            "team": str,
            "phone": str,
            "email": str,
            "updated_at": str,
        },
        pk=("pupil_id", "role"),
        foreign_keys=[("pupil_id", "pupils", "id")],
        not_null={"name", "updated_at"},
    )


def _v10_leave_and_timetables(db: sqlite_utils.Database) -> None:
    """Leave of absence (the 2024 registration regulations: requested in advance by a
    parent, decided by the head teacher or their delegate; granted leave is ``C``) and
    part-time timetables (``C2``: agreed with the parent, reviewed, an end date, the local
    authority told). Each row points at the audit event that wrote it, and is marked undone
    (``undone_event_id``), never deleted, by an undo."""
    db.execute(
        "CREATE TABLE leave_requests ("
        " id INTEGER PRIMARY KEY,"
        " pupil_id INTEGER NOT NULL REFERENCES pupils(id),"
        " first_date TEXT NOT NULL, first_session TEXT NOT NULL,"
        " last_date TEXT NOT NULL, last_session TEXT NOT NULL,"
        " reason TEXT NOT NULL, asked_by TEXT NOT NULL, asked_on TEXT NOT NULL,"
        " event_id INTEGER NOT NULL REFERENCES events(id), at TEXT NOT NULL,"
        " officer TEXT NOT NULL,"
        " decision TEXT,"  # NULL (not decided), 'granted' or 'refused'
        " decided_by TEXT, decided_on TEXT, decision_note TEXT,"
        " decision_event_id INTEGER REFERENCES events(id), decision_officer TEXT,"
        " decision_at TEXT, undone_event_id INTEGER REFERENCES events(id))"
    )
    db.execute("CREATE INDEX leave_requests_pupil ON leave_requests (pupil_id, first_date)")
    db.execute(
        "CREATE TABLE part_time_timetables ("
        " id INTEGER PRIMARY KEY,"
        " pupil_id INTEGER NOT NULL REFERENCES pupils(id),"
        " starts TEXT NOT NULL, planned_end TEXT NOT NULL,"
        " review_dates TEXT NOT NULL,"  # JSON list of ISO dates
        " agreed_with TEXT NOT NULL, agreed_on TEXT NOT NULL,"
        " la_notified_on TEXT, ended_on TEXT, note TEXT,"
        " event_id INTEGER NOT NULL REFERENCES events(id), at TEXT NOT NULL,"
        " officer TEXT NOT NULL, undone_event_id INTEGER REFERENCES events(id))"
    )
    db.execute("CREATE INDEX part_time_timetables_pupil ON part_time_timetables (pupil_id)")
    db.execute(
        "CREATE TABLE timetable_reviews ("
        " id INTEGER PRIMARY KEY,"
        " timetable_id INTEGER NOT NULL REFERENCES part_time_timetables(id),"
        " reviewed_on TEXT NOT NULL, note TEXT,"
        " event_id INTEGER NOT NULL REFERENCES events(id), at TEXT NOT NULL,"
        " officer TEXT NOT NULL, undone_event_id INTEGER REFERENCES events(id))"
    )


def _v11_outbox(db: sqlite_utils.Database) -> None:
    """The outbox of texts and emails the app sends (issue #21): each message is written
    before it is handed to the provider, then marked with what happened, so a crash never
    sends one twice nor loses one (docs/messages.md). ``key`` is unique: one message per
    session, ladder step, channel and recipient. ``handed_over_at`` is set the moment the
    provider may have the message: a message left ``sending`` without it never left."""
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            date TEXT NOT NULL,
            session TEXT NOT NULL CHECK (session IN ('AM', 'PM')),
            step_key TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('text', 'email')),
            route TEXT NOT NULL,           -- smtp, gateway or notify
            recipient TEXT NOT NULL,       -- the number (+447...) or email address
            contact_id INTEGER REFERENCES contacts(id),
            contact_name TEXT,
            pupil_ids TEXT NOT NULL,       -- JSON list: the family's pupils it is about
            template TEXT NOT NULL,
            subject TEXT,
            body TEXT NOT NULL,
            state TEXT NOT NULL CHECK
                (state IN ('queued', 'sending', 'accepted', 'failed', 'in_doubt')),
            tries INTEGER NOT NULL DEFAULT 0,
            reference TEXT,                -- the provider's, once accepted
            error TEXT,                    -- the provider's, short and printable
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            claimed_by TEXT,               -- host:pid of the process sending it
            claimed_at TEXT,
            handed_over_at TEXT,
            finished_at TEXT,
            event_id INTEGER REFERENCES events(id)  -- the attempt's event, once accepted
        )
        """
    )
    db.execute("CREATE INDEX outbox_session ON outbox(date, session, channel)")


def _v12_family_numbers(db: sqlite_utils.Database) -> None:
    """Each queued family's number for a date and session, kept so that every officer and
    every reload agree ("family 2" means the same family all morning) while the queue
    re-sorts and later exports add families. Kept per pupil: a family is its pupils, and a
    pupil keeps the number its family had when first seen (docs/queue.md). The counter is
    the last number given out that session, so a number set free (two families merged
    after a contact import) is never given to another family the same day."""
    db.execute(
        "CREATE TABLE family_numbers (date TEXT NOT NULL, session TEXT NOT NULL,"
        " pupil_id INTEGER NOT NULL REFERENCES pupils(id), number INTEGER NOT NULL,"
        " PRIMARY KEY (date, session, pupil_id)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE family_number_counters (date TEXT NOT NULL, session TEXT NOT NULL,"
        " last_number INTEGER NOT NULL, PRIMARY KEY (date, session)) WITHOUT ROWID"
    )


def _v13_roll_and_cme(db: sqlite_utils.Database) -> None:
    """Leaving the roll (the 2024 registration regulations: a deletion on a lawful ground,
    the local authority told) and children missing education (the enquiries made, the
    local authority told with its reference, its reply). Each row is one officer's record,
    points at the audit event that wrote it and is marked undone, never deleted."""
    db.execute(
        "CREATE TABLE roll_deletions ("
        " id INTEGER PRIMARY KEY,"
        " pupil_id INTEGER NOT NULL REFERENCES pupils(id),"
        " ground TEXT NOT NULL, deleted_on TEXT NOT NULL,"
        " detail TEXT,"  # JSON: what the ground needs (the other school, the parent's notice)
        " la_told_on TEXT NOT NULL, la_told_how TEXT NOT NULL, la_reference TEXT,"
        " note TEXT, event_id INTEGER NOT NULL REFERENCES events(id), at TEXT NOT NULL,"
        " officer TEXT NOT NULL, undone_event_id INTEGER REFERENCES events(id))"
    )
    db.execute("CREATE INDEX roll_deletions_pupil ON roll_deletions (pupil_id, deleted_on)")
    db.execute(
        "CREATE TABLE cme_records ("
        " id INTEGER PRIMARY KEY,"
        " pupil_id INTEGER NOT NULL REFERENCES pupils(id),"
        " kind TEXT NOT NULL CHECK (kind IN ('enquiry', 'notified')),"
        " made_on TEXT NOT NULL,"
        " made_by TEXT CHECK (made_by IN ('school', 'la')),"  # an enquiry's: whose it was
        " person TEXT,"  # who made it (an enquiry) or who at the LA was told (a notification)
        " contacted TEXT,"  # an enquiry: whom it was made of (a parent, a school, an agency)
        " what TEXT,"  # an enquiry: what was done and found
        " how TEXT, reference TEXT, reply TEXT,"  # a notification: how, the LA's ref, reply
        " event_id INTEGER NOT NULL REFERENCES events(id), at TEXT NOT NULL,"
        " officer TEXT NOT NULL, undone_event_id INTEGER REFERENCES events(id))"
    )
    db.execute("CREATE INDEX cme_records_pupil ON cme_records (pupil_id, made_on)")


def _v14_visits(db: sqlite_utils.Database) -> None:
    """Home visits (docs/visits.md): a family's visit planned for a day, who takes it, and
    its lone-working record: started (by whom, when, expected back by), extended, escalated
    when overdue, ended with an outcome. A proposed visit is worked out, not stored; a row
    is written when an officer plans, drops, takes or starts it. ``pupil_ids`` is the
    family's pupils (JSON, sorted) when the row was written."""
    db.execute(
        """
        CREATE TABLE visits (
            id INTEGER PRIMARY KEY,
            date TEXT NOT NULL,
            session TEXT NOT NULL,
            pupil_ids TEXT NOT NULL,
            first_pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            state TEXT NOT NULL CHECK
                (state IN ('planned', 'dropped', 'started', 'ended')),
            officer TEXT,                  -- who takes it (the round it is on)
            started_by TEXT,
            started_at TEXT,
            expected_back TEXT,            -- UTC stamp: compared as text
            escalated_at TEXT,
            escalated_by TEXT,
            ended_at TEXT,
            ended_by TEXT,
            outcome TEXT,
            reason_code TEXT,
            note TEXT,
            event_id INTEGER REFERENCES events(id)  -- the last event that changed it
        )
        """
    )
    db.execute("CREATE INDEX visits_day ON visits(date, state)")


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _v1_core,
    _v2_audit,
    _v3_outcomes,
    _v4_officers,
    _v5_cases,
    _v6_date_codes,
    _v7_unmarked,
    _v8_roster_details,
    _v9_professionals,
    _v10_leave_and_timetables,
    _v11_outbox,
    _v12_family_numbers,
    _v13_roll_and_cme,
    _v14_visits,
)
SCHEMA_VERSION = len(MIGRATIONS)
