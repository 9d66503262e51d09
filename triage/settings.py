"""The school's settings, kept in the database so every officer's app agrees.

Each setting has a default, a check that turns the text an officer types into a value (or
a one-line reason it cannot), and a description. `triage config show` lists them and marks
which are defaults; `triage config set KEY VALUE` checks before it writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any, NamedTuple

from triage.dates import DateError, hhmm, parse_clock
from triage.model import STAGES
from triage.officers import require_lead
from triage.sanitise import is_email, printable
from triage.store import Store


class SettingError(ValueError):
    """A value that cannot be used for a setting (one clear line)."""


def _text(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise SettingError("must not be empty")
    return value


def _urn(value: str) -> str:
    value = value.strip()
    if value and not re.fullmatch(r"\d{6,7}", value):
        raise SettingError("a URN is 6 or 7 digits (or empty)")
    return value


def _minutes(low: int, high: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.strip().isdigit() or not low <= int(value) <= high:
            raise SettingError(f"must be a whole number from {low} to {high}")
        return str(int(value))

    return check


def _clock(value: str) -> str:
    try:
        return hhmm(parse_clock(value))
    except DateError as exc:
        raise SettingError("must be a time of day as HH:MM, e.g. 09:15") from exc


def _folder(value: str) -> str:
    value = value.strip()
    if not value:
        return ""  # the default: beside the database
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise SettingError(f"{path} exists and is not a folder")
    return str(path)


def _yes_no(value: str) -> str:
    word = value.strip().lower()
    if word in ("yes", "y", "true", "1"):
        return "yes"
    if word in ("no", "n", "false", "0"):
        return "no"
    raise SettingError("must be yes or no")


def _choice(*choices: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        word = value.strip().lower()
        if word not in choices:
            raise SettingError(f"must be one of {', '.join(choices)}")
        return word

    return check


def _percent(value: str) -> str:
    value = value.strip().removesuffix("%").strip()
    if not value:
        return ""  # not set: the reports show no comparison
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 100:
        raise SettingError("must be a percentage from 0 to 100, such as 93.2 (or empty)")
    return f"{number:g}"


def _host(value: str) -> str:
    value = value.strip()
    if value and not re.fullmatch(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]", value):
        raise SettingError("a host name such as smtp.example.org (or empty)")
    return value


def _port(value: str) -> str:
    return _minutes(1, 65535)(value)


def _optional_email(value: str) -> str:
    value = value.strip()
    if value and not is_email(value):
        raise SettingError("must be an email address such as attendance@school.example")
    return value


def _domain(value: str) -> str:
    value = value.strip().lower().removeprefix("@")
    if value and not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", value):
        raise SettingError("must be a domain such as sms.example.net (or empty)")
    return value


def secret_source(value: str) -> str:
    """Where a password or key is read from: ``file:/absolute/path`` (a file readable by
    its owner only) or ``env:NAME`` (an environment variable). The secret itself is never
    stored in the database, so nothing else is accepted."""
    value = value.strip()
    if not value:
        return ""
    kind, _, where = value.partition(":")
    if kind == "env" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", where):
        return value
    if kind == "file" and where.startswith(("/", "~")):
        return f"file:{Path(where).expanduser()}"
    raise SettingError(
        "must be file:/path/to/a/file (readable by its owner only) or env:VARIABLE_NAME; "
        "never the password itself"
    )


def _template_id(value: str) -> str:
    value = value.strip().lower()
    if value and not re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value
    ):
        raise SettingError("a Notify template ID looks like 1f2e3d4c-0000-4000-8000-123456789abc")
    return value


def _base_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if re.fullmatch(r"https://[A-Za-z0-9.\-]+(:\d+)?", value):
        return value
    if re.fullmatch(r"http://127\.0\.0\.1(:\d+)?", value):
        return value  # a local test server only: a key never crosses a network in clear
    raise SettingError("must be an https:// address (http:// only for 127.0.0.1)")


class Setting(NamedTuple):
    key: str
    default: str
    check: Callable[[str], str]
    description: str


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("school_name", "Our school", _text, "the school's name, shown in the header"),
        Setting("school_urn", "", _urn, "the school's unique reference number"),
        Setting(
            "inbox",
            "",
            _folder,
            "folder the MIS drops exports into (empty: 'inbox' beside the database)",
        ),
        Setting("inbox_check_seconds", "60", _minutes(5, 3600), "how often the open app checks it"),
        Setting("claim_minutes", "10", _minutes(1, 120), "how long a claim on a family lasts"),
        Setting("callback_minutes", "30", _minutes(5, 480), "the default callback delay"),
        Setting(
            "visit_return_minutes",
            "45",
            _minutes(10, 480),
            "a home visit's officer is expected back this many minutes after starting it",
        ),
        Setting("am_register_close", "09:15", _clock, "when the morning register closes"),
        Setting("pm_register_close", "13:45", _clock, "when the afternoon register closes"),
        Setting(
            "nti_min_weeks",
            "3",
            _minutes(1, 26),
            "a Notice to Improve's shortest improvement period, in weeks (the LA's code)",
        ),
        Setting(
            "nti_max_weeks",
            "6",
            _minutes(1, 26),
            "a Notice to Improve's longest improvement period, in weeks",
        ),
        Setting(
            "penalty_notices_by",
            "school",
            _choice("school", "la"),
            "who issues penalty notices: school, or la (the app records them as requested "
            "from the local authority, which replies)",
        ),
        Setting(
            "weekend_marks",
            "no",
            _yes_no,
            "whether marks on a Saturday or Sunday are imported (a school open at weekends)",
        ),
        # Figures the school enters to compare its own with (the cohorts report).
        Setting(
            "compare_national_attendance",
            "",
            _percent,
            "national attendance % to show beside the school's (empty: none)",
        ),
        Setting(
            "compare_national_persistent",
            "",
            _percent,
            "national persistent absence % to show beside the school's",
        ),
        Setting(
            "compare_la_attendance",
            "",
            _percent,
            "the local authority's attendance % to show beside the school's",
        ),
        Setting(
            "compare_la_persistent",
            "",
            _percent,
            "the local authority's persistent absence % to show beside the school's",
        ),
        # Sending texts and emails (docs/messages.md). Passwords and keys are never stored:
        # only where to read them from.
        Setting(
            "school_phone",
            "",
            lambda v: " ".join(v.split()),
            "the school's phone number, for messages",
        ),
        Setting("smtp_host", "", _host, "the mail server that sends emails (and gateway texts)"),
        Setting("smtp_port", "587", _port, "its port: 587 for starttls, 465 for tls"),
        Setting(
            "smtp_security",
            "starttls",
            _choice("starttls", "tls", "none"),
            "starttls, tls or none (none only for a server on 127.0.0.1)",
        ),
        Setting(
            "smtp_login", "", lambda v: v.strip(), "the login on the mail server (empty: none)"
        ),
        Setting(
            "smtp_password_source",
            "",
            secret_source,
            "where its password is read: file:/path (owner-only) or env:NAME",
        ),
        Setting("smtp_from", "", _optional_email, "the address messages are sent from"),
        Setting(
            "sms_route",
            "none",
            _choice("none", "gateway", "notify"),
            "how texts go: none, gateway (email-to-SMS over SMTP) or notify (GOV.UK Notify)",
        ),
        Setting(
            "sms_gateway_domain", "", _domain, "the gateway's domain: texts go to NUMBER@domain"
        ),
        Setting(
            "sms_gateway_number_form",
            "447",
            _choice("447", "07"),
            "how the gateway wants numbers: 447700900123 or 07700900123",
        ),
        Setting(
            "notify_key_source",
            "",
            secret_source,
            "where the Notify API key is read: file:/path (owner-only) or env:NAME",
        ),
        Setting(
            "notify_sms_template_id",
            "",
            _template_id,
            "the Notify text template, whose body is ((body))",
        ),
        Setting(
            "notify_base_url",
            "https://api.notifications.service.gov.uk",
            _base_url,
            "GOV.UK Notify's API address",
        ),
    )
}

# The school's own words for the six stages of support (Working together to improve school
# attendance names them; schools word them differently: "Aspire" for Expect, "Offer
# support" for Facilitate support). The stored stage is always the DfE one; these are what
# screens and outputs show, and every export carries the DfE stage beside it (stage_dfe).
STAGE_KEYS: dict[str, str] = dict(
    zip(STAGES, ("expect", "monitor", "listen", "facilitate", "formalise", "enforce"), strict=True)
)
for _stage, _key in STAGE_KEYS.items():
    SETTINGS[f"stage_name.{_key}"] = Setting(
        f"stage_name.{_key}", _stage, _text, f"the school's name for the stage {_stage!r}"
    )


def stage_names(store: Store) -> dict[str, str]:
    """DfE stage -> the school's name for it (the DfE name unless the school set its own)."""
    return {stage: get(store, f"stage_name.{key}") for stage, key in STAGE_KEYS.items()}


def get(store: Store, key: str) -> str:
    """A setting's value, made printable (one stored by an older version may not be)."""
    setting = SETTINGS[key]
    return printable(store.setting(key) or setting.default)


def get_int(store: Store, key: str) -> int:
    return int(get(store, key))


def get_time(store: Store, key: str) -> time:
    hh, mm = get(store, key).split(":")
    return time(int(hh), int(mm))


def set_value(store: Store, key: str, value: str) -> str:
    """Check and store a setting; a lead's job once officers are recorded."""
    if key not in SETTINGS:
        raise SettingError(f"unknown setting {key!r}; known: {', '.join(SETTINGS)}")
    try:
        checked = SETTINGS[key].check(printable(value))  # the school's name reaches terminals
    except SettingError as exc:
        raise SettingError(f"{key}: {exc}") from exc
    if key.startswith("stage_name."):
        taken = {
            name.casefold(): stage
            for stage, name in stage_names(store).items()
            if f"stage_name.{STAGE_KEYS[stage]}" != key
        }
        if checked.casefold() in taken:
            raise SettingError(
                f"{key}: {checked!r} already names the stage {taken[checked.casefold()]}"
            )
    require_lead(store)
    store.set_setting(key, checked)
    return checked


def show(store: Store) -> list[dict[str, Any]]:
    return [
        {
            "key": s.key,
            "value": get(store, s.key),
            "default": store.setting(s.key) is None,
            "description": s.description,
        }
        for s in SETTINGS.values()
    ]
