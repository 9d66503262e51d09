"""The parts of sending that need no provider: UK numbers, the message templates, where a
password is read from, and the sending settings."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from triage.messages.numbers import for_gateway, for_notify, read_number
from triage.messages.secrets import SecretError, read_secret
from triage.messages.templates import (
    EMAIL,
    FIRST_TEXT,
    SECOND_TEXT,
    TemplateError,
    load,
    message_fields,
    text_parts,
)
from triage.model import Contact, Pupil
from triage.settings import SettingError, set_value
from triage.store import Store


@pytest.mark.parametrize(
    "raw",
    [
        "07700 900123",
        "07700-900-123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "00447700900123",
        "447700900123",
        "(07700) 900123",
    ],
)
def test_every_way_of_writing_a_uk_mobile_reads_as_one_number(raw: str) -> None:
    assert read_number(raw).mobile == "+447700900123"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("01632 960123", "a landline"),
        ("020 7946 0123", "a landline"),
        ("0300 123 4567", "a non-geographic (03) number"),
        ("07600 123456", "not a mobile (070 or 076)"),
        ("0800 123 4567", "not a UK mobile"),
        ("+33 6 12 34 56 78", "not a UK number"),
    ],
)
def test_a_landline_or_other_number_is_never_a_mobile(raw: str, why: str) -> None:
    number = read_number(raw)
    assert number.mobile is None
    assert number.why == why


def test_each_provider_gets_the_form_it_wants() -> None:
    mobile = "+447700900123"
    assert for_notify(mobile) == "+447700900123"
    assert for_gateway(mobile, "447") == "447700900123"
    assert for_gateway(mobile, "07") == "07700900123"


def _pupil(pid: int, forename: str, preferred: str | None = None) -> Pupil:
    return Pupil(pid, f"A12345678901{pid}", None, forename, "Smith", preferred, 3, "3R")


def test_the_first_day_text_names_every_absent_sibling_with_real_values() -> None:
    template = load(FIRST_TEXT, None)
    fields = message_fields(
        [_pupil(1, "Amelia", "Amy"), _pupil(2, "Benjamin", "Ben")],
        Contact(9, "Sarah Smith", "Mother", 1, mobile="07700900001"),
        date(2026, 11, 24),
        "AM",
        school_name="Riverside Primary",
        school_phone="01632 960000",
    )
    subject, body = template.render(fields)
    assert subject is None
    assert body.startswith("Riverside Primary: Amy and Ben are not in school this morning")
    assert "01632 960000" in body
    assert "{{" not in body


def test_the_email_template_has_a_subject_and_the_contact_name() -> None:
    fields = message_fields(
        [_pupil(1, "Amelia", "Amy")],
        Contact(9, "Sarah Smith", "Mother", 1, email="sarah@example.org"),
        date(2026, 11, 24),
        "PM",
        school_name="Riverside Primary",
        school_phone="",
    )
    subject, body = load(EMAIL, None).render(fields)
    assert subject == "Amy: absence from Riverside Primary today"
    assert body.startswith("Dear Sarah Smith,")
    assert "Amy is not in school this afternoon (24 November 2026)" in body


def test_a_school_copy_replaces_the_shipped_template(tmp_path: Path) -> None:
    (tmp_path / f"{SECOND_TEXT}.txt").write_text("Still no reason for {{ forenames }}.\n")
    template = load(SECOND_TEXT, tmp_path)
    assert not template.shipped
    assert template.render({"forenames": "Amy"})[1] == "Still no reason for Amy."
    assert load(FIRST_TEXT, tmp_path).shipped  # the others stay the shipped ones


def test_a_template_with_an_unknown_field_names_its_line_and_the_nearest_field(
    tmp_path: Path,
) -> None:
    (tmp_path / f"{FIRST_TEXT}.txt").write_text("Hello\n{{ forname }} is absent\n")
    with pytest.raises(TemplateError, match=r"line 2: there is no field .*did you mean forename"):
        load(FIRST_TEXT, tmp_path)


def test_an_email_template_without_a_subject_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / f"{EMAIL}.txt").write_text("Dear {{ contact_name }}\n")
    with pytest.raises(TemplateError, match="starts with 'Subject: …'"):
        load(EMAIL, tmp_path)


def test_a_long_text_counts_as_several_parts() -> None:
    assert text_parts("x" * 160) == 1
    assert text_parts("x" * 161) == 2
    assert text_parts("x" * 307) == 3


# --- where a password is read from ------------------------------------------------------------


def test_a_password_file_readable_by_others_is_refused_without_showing_it(tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("hunter2-correct-horse\n")
    secret.chmod(0o644)
    with pytest.raises(SecretError) as caught:
        read_secret(f"file:{secret}", "the mail server's password")
    assert "can be read by others (mode 644)" in str(caught.value)
    assert "chmod 600" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    secret.chmod(0o600)
    assert read_secret(f"file:{secret}", "the password") == "hunter2-correct-horse"


def test_a_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_SMTP_PASSWORD", "s3cret")
    assert read_secret("env:TRIAGE_SMTP_PASSWORD", "the password") == "s3cret"
    monkeypatch.delenv("TRIAGE_SMTP_PASSWORD")
    with pytest.raises(SecretError, match="TRIAGE_SMTP_PASSWORD is not set"):
        read_secret("env:TRIAGE_SMTP_PASSWORD", "the password")


def test_a_password_symlink_is_not_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("pw")
    real.chmod(0o600)
    link = tmp_path / "link"
    os.symlink(real, link)
    with pytest.raises(SecretError, match="cannot read"):
        read_secret(f"file:{link}", "the password")


# --- settings -------------------------------------------------------------------------------


def test_the_password_setting_takes_only_where_to_read_it(store: Store) -> None:
    with pytest.raises(SettingError, match="never the password itself"):
        set_value(store, "smtp_password_source", "hunter2")
    assert set_value(store, "smtp_password_source", "env:SMTP_PW") == "env:SMTP_PW"
    assert set_value(store, "smtp_password_source", "file:/etc/triage/pw") == "file:/etc/triage/pw"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("smtp_security", "ssl"),
        ("sms_route", "carrier-pigeon"),
        ("sms_gateway_number_form", "+44"),
        ("smtp_from", "not an address"),
        ("notify_base_url", "http://api.example.org"),
        ("notify_sms_template_id", "template-one"),
    ],
)
def test_sending_settings_refuse_bad_values(store: Store, key: str, value: str) -> None:
    with pytest.raises(SettingError, match=key):
        set_value(store, key, value)
    assert store.setting(key) is None
