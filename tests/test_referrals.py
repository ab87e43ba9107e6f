"""The referral directory: validation when loaded, rendering, age/mode filtering and hours."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
import yaml

from actions import referrals
from actions.referrals import (
    DIRECTORY_PATH,
    TOPICS,
    ReferralError,
    directory,
    parse_directory,
    render_referrals,
)

CHECKED = ("2026-11-28", "2026-11-30")  # the two research rounds (knowledge/README.md)
MALAYSIA = referrals.MALAYSIA


def kl(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in Malaysia in the week of Monday 30 November 2026 (day 0 = Monday)."""
    return dt.datetime(2026, 11, 30, hour, minute, tzinfo=MALAYSIA) + dt.timedelta(days=day)


@pytest.fixture(autouse=True)
def afternoon(monkeypatch):
    """Every line is open unless a test says otherwise: Wednesday, 3pm in Malaysia."""
    monkeypatch.setattr(referrals, "clock", lambda: kl(2, 15))


@pytest.fixture
def raw() -> dict:
    """The project's directory as parsed YAML, safe to modify."""
    with open(DIRECTORY_PATH, encoding="utf-8") as handle:
        return copy.deepcopy(yaml.safe_load(handle))


def _entry(raw: dict, service_id: str) -> dict:
    return next(e for e in raw["services"] if e["id"] == service_id)


def _names(text: str) -> list[str]:
    return [line[2:].split(":")[0] for line in text.splitlines() if line.startswith("• ")]


# --- loading and validation ------------------------------------------------------------------


def test_project_directory_loads_and_covers_every_topic():
    book = directory()
    assert set(book.topics) == set(TOPICS)
    for required in (
        "police",
        "talian_kasih",
        "buddy_bear",
        "mcmc",
        "cyber999",
        "oscc",
        "take_it_down",
        "stopncii",
        "ncmec_cybertipline",
        "telegram_report",
    ):
        assert required in book.services


def test_every_service_is_offered_under_some_topic():
    # A service no topic lists is never shown: the scam line (997) once was.
    book = directory()
    offered = {service for listed in book.topics.values() for service in listed}
    assert set(book.services) - offered == set()
    assert "nsrc" in book.topics["report"]


def test_every_service_has_a_source_url_and_the_facts_check_date():
    for service in directory().services.values():
        assert service.source.startswith(("http://", "https://")), service.id
        assert service.checked.isoformat() in CHECKED, service.id


def test_the_contacts_facts_md_gives():
    s = directory().services
    assert s["police"].phone == "999"
    assert (s["talian_kasih"].phone, s["talian_kasih"].whatsapp) == ("15999", "019-261 5999")
    assert s["buddy_bear"].phone == "1-800-18-2327" and s["buddy_bear"].max_age == 17
    assert "12pm" in s["buddy_bear"].hours["en"]
    assert s["mcmc"].phone == "1800 188 030" and s["mcmc"].url == "https://aduan.skmm.gov.my/"
    assert "8.30am" in s["mcmc"].hours["en"]
    assert s["stopncii"].min_age == 18


def test_status_follows_facts_md_markers():
    s = directory().services
    assert s["telegram_report"].status == "unverified"
    assert s["buddy_bear"].status == "dated"
    assert s["mcmc"].status == "dated"


def test_conflicted_cyber999_hours_are_never_stated():
    cyber = directory().services["cyber999"]
    assert cyber.hours is None
    assert cyber.email and cyber.url


def test_missing_source_fails_naming_entry_and_field(raw):
    del _entry(raw, "buddy_bear")["source"]
    with pytest.raises(ReferralError, match=r"service 'buddy_bear': field 'source' is missing"):
        parse_directory(raw)


def test_every_service_names_its_knowledge_item(raw):
    assert {s.knowledge for s in directory().services.values()} >= {"talian_kasih", "buddy_bear"}
    del _entry(raw, "talian_kasih")["knowledge"]
    with pytest.raises(ReferralError, match=r"'talian_kasih': field 'knowledge' is missing"):
        parse_directory(raw)
    _entry(raw, "talian_kasih")["knowledge"] = "Talian Kasih"
    with pytest.raises(ReferralError, match=r"field 'knowledge' must be the id of an item"):
        parse_directory(raw)


def test_source_that_is_not_a_url_fails(raw):
    _entry(raw, "mcmc")["source"] = "a newspaper"
    with pytest.raises(ReferralError, match=r"service 'mcmc': field 'source'"):
        parse_directory(raw)


@pytest.mark.parametrize("phone", ["15999x", "call 999", "1-800-THE-LOST", "12", "+"])
def test_malformed_phone_fails_naming_entry_and_field(raw, phone):
    _entry(raw, "talian_kasih")["phone"] = phone
    with pytest.raises(ReferralError, match=r"service 'talian_kasih': field 'phone'"):
        parse_directory(raw)


def test_malformed_whatsapp_fails(raw):
    _entry(raw, "talian_kasih")["whatsapp"] = "wa.me/abc"
    with pytest.raises(ReferralError, match=r"service 'talian_kasih': field 'whatsapp'"):
        parse_directory(raw)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status", "confirmed", "field 'status' must be one of"),
        ("serves", "teachers", "field 'serves' must be one of"),
        ("purpose", {"en": "only English"}, "field 'purpose.ms'"),
        ("checked", "last week", "field 'checked' must be a date"),
        ("max_age", "seventeen", "field 'max_age'"),
        ("hotline", "999", "field 'hotline' is not a known field"),
    ],
)
def test_other_malformed_fields_fail_clearly(raw, field, value, message):
    _entry(raw, "buddy_bear")[field] = value
    with pytest.raises(ReferralError, match=re.escape(message)):
        parse_directory(raw)


def test_topic_naming_an_unknown_service_fails(raw):
    raw["topics"]["crisis"].append("no_such_service")
    with pytest.raises(ReferralError, match="topic 'crisis' names unknown service"):
        parse_directory(raw)


def test_missing_topic_fails(raw):
    del raw["topics"]["under13"]
    with pytest.raises(ReferralError, match="topic 'under13'"):
        parse_directory(raw)


def test_service_without_any_contact_fails(raw):
    entry = _entry(raw, "stopncii")
    del entry["url"]
    with pytest.raises(ReferralError, match="service 'stopncii'"):
        parse_directory(raw)


def test_load_directory_reads_a_file(tmp_path, raw):
    path = tmp_path / "referrals.yml"
    _entry(raw, "police")["phone"] = "99x"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ReferralError, match="service 'police': field 'phone'"):
        referrals.load_directory(path)


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("lang", ["en", "ms"])
def test_every_topic_renders_in_both_languages(topic, lang):
    text, buttons = render_referrals(topic, lang)
    header = "Where to get help:" if lang == "en" else "Tempat untuk dapatkan bantuan:"
    assert text.startswith(header)
    assert len(_names(text)) >= 2
    for button in buttons:
        assert set(button) == {"title", "url"}
        assert button["url"].startswith("https://")


def test_malay_rendering_is_malay():
    text, _ = render_referrals("report", "ms")
    assert "Telefon 999" in text or "telefon 999" in text.lower()
    assert "Call " not in text and "hours" not in text
    assert "laporan polis" in text


def test_phone_numbers_are_in_the_text_not_buttons():
    text, buttons = render_referrals("helpline", "en")
    assert "15999" in text and "019-261 5999" in text and "1-800-18-2327" in text
    assert all("url" in b and not b["url"].startswith("tel:") for b in buttons)


def test_unknown_topic_is_an_error():
    with pytest.raises(KeyError):
        render_referrals("weather", "en")


def test_a_12_year_old_gets_buddy_bear_and_take_it_down_not_stopncii():
    text, buttons = render_referrals("sextortion", "en", age=12)
    names = _names(text)
    assert "Buddy Bear Childline" in names
    assert "Take It Down (NCMEC)" in names
    assert "StopNCII.org" not in names
    assert all("stopncii" not in b["url"] for b in buttons)


def test_an_adult_gets_stopncii_not_buddy_bear():
    text, _ = render_referrals("sextortion", "en", age=30)
    names = _names(text)
    assert "StopNCII.org" in names
    assert not any(n.startswith("Buddy Bear") for n in names)
    assert "Take It Down (NCMEC)" in names  # for pictures taken before they turned 18


def test_age_17_and_18_boundaries():
    assert "Buddy Bear Childline" in _names(render_referrals("helpline", "en", age=17)[0])
    assert not any(
        n.startswith("Buddy Bear") for n in _names(render_referrals("helpline", "en", age=18)[0])
    )
    assert "StopNCII.org" in _names(render_referrals("image_removal", "en", age=18)[0])
    assert "StopNCII.org" not in _names(render_referrals("image_removal", "en", age=17)[0])


def test_unknown_age_shows_both_and_says_who_each_is_for():
    text, _ = render_referrals("sextortion", "en")
    assert "Buddy Bear Childline (for under-18s)" in text
    assert "StopNCII.org" in text and "18 or older" in text
    assert "under 18" in text  # Take It Down: pictures taken when under 18
    text_ms, _ = render_referrals("sextortion", "ms")
    assert "Buddy Bear Childline (untuk bawah 18 tahun)" in text_ms


def test_parent_mode_puts_child_services_last_and_ignores_the_parents_age():
    text, _ = render_referrals("grooming", "en", age=40, mode="parent")
    names = _names(text)
    assert text.startswith("Where you and your child can get help:")
    assert names[-1].startswith("Buddy Bear Childline (")
    assert "for your child to call" in names[-1]


def test_a_teacher_hears_the_child_not_your_child():
    text, _ = render_referrals("grooming", "en", age=40, mode="educator")
    assert text.startswith("Where you and the child can get help:")
    assert "your child" not in text
    assert "for the child to call" in _names(text)[-1]
    text_ms, _ = render_referrals("crisis", "ms", mode="educator")
    assert "kanak-kanak itu" in text_ms and "anak anda" not in text_ms


def test_cyber999_line_states_no_hours_and_telegram_line_is_cautious():
    text, _ = render_referrals("report", "en")
    cyber = next(line for line in text.splitlines() if "Cyber999" in line)
    assert not re.search(r"\d(am|pm)|office hours|24 hours", cyber)
    telegram = next(line for line in text.splitlines() if "Telegram" in line)
    assert "usually" in telegram and "does not replace a police report" in telegram


def test_exclude_drops_services_already_shown():
    names = _names(render_referrals("crisis", "en", exclude=("police", "talian_kasih"))[0])
    assert "Police (PDRM)" not in names and "Talian Kasih" not in names
    assert names


# --- opening hours, in Malaysian time --------------------------------------------------------


def _line_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"• {name}"))


@pytest.mark.parametrize(
    ("when", "is_open"),
    [((2, 11, 59), False), ((2, 12, 0), True), ((2, 23, 59), True), ((3, 0, 0), False)],
)
def test_buddy_bear_answers_from_noon_to_midnight(when, is_open):
    assert referrals.service_open("buddy_bear", kl(*when)) is is_open


def test_a_child_at_2am_is_never_sent_to_a_line_that_wont_answer():
    text, _ = render_referrals("helpline", "en", age=14, now=kl(2, 2))
    names = _names(text)
    assert names[0] == "Talian Kasih" and "Police (PDRM)" in names[:2]
    assert names[-1] == "Buddy Bear Childline (closed now, opens at 12pm)"
    assert "Call 15999 (24 hours, every day)" in _line_of(text, "Talian Kasih")
    # Every line shown before the closed one answers now.
    for name in names[:-1]:
        assert "closed" not in name


def test_the_24_hour_lines_come_first_by_day_too():
    names = _names(render_referrals("helpline", "en", now=kl(2, 15))[0])
    assert names.index("Police (PDRM)") < names.index("Buddy Bear Childline (for under-18s)")
    assert not any("closed" in n for n in names)


def test_the_time_is_read_in_malaysia_whatever_the_servers_zone():
    two_am_in_kl = dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.timezone.utc)
    assert referrals.service_open("buddy_bear", two_am_in_kl) is False
    assert referrals.service_open("buddy_bear", dt.datetime(2026, 12, 2, 14, 0)) is True  # naive


def test_closed_in_malay_says_when_it_opens():
    text, _ = render_referrals("crisis", "ms", now=kl(2, 3))
    line = _line_of(text, "Buddy Bear")
    assert "tutup sekarang, dibuka pukul 12 tengah hari" in line
    assert "1-800-18-2327" in line and "12 tengah hari hingga 12 tengah malam" in line


@pytest.mark.parametrize(
    ("when", "en", "ms"),
    [
        ((4, 18), "opens on Monday at 8.30am", "dibuka hari Isnin pukul 8.30 pagi"),
        ((6, 22), "opens tomorrow at 8.30am", "dibuka esok pukul 8.30 pagi"),
        ((1, 7, 45), "opens at 8.30am", "dibuka pukul 8.30 pagi"),
    ],
)
def test_mcmcs_phone_line_outside_office_hours(when, en, ms):
    text, _ = render_referrals("abuse_content", "en", now=kl(*when))
    line = _line_of(text, "MCMC complaints")
    assert f"phone line closed now, {en}" in line
    # Its website takes complaints at any time, so it keeps its place at the top.
    assert _names(text)[0].startswith("MCMC complaints")
    assert (
        f"talian telefon tutup sekarang, {ms}"
        in render_referrals("abuse_content", "ms", now=kl(*when))[0]
    )


def test_mcmc_in_office_hours_is_not_marked_closed():
    text, _ = render_referrals("report", "en", now=kl(0, 9))
    assert "closed" not in _line_of(text, "MCMC complaints")


def test_the_whatsapp_line_is_never_said_to_be_24_hours():
    for topic in TOPICS:
        for lang in ("en", "ms"):
            text, _ = render_referrals(topic, lang)
            assert not re.search(r"WhatsApp [\d -]+ \(24", text), text


def test_parent_mode_at_night_puts_the_closed_child_line_last():
    names = _names(render_referrals("grooming", "en", mode="parent", now=kl(2, 1))[0])
    assert names[-1].startswith("Buddy Bear Childline (") and "closed now" in names[-1]


def test_the_opening_time_must_be_the_one_the_hours_text_gives(raw):
    _entry(raw, "buddy_bear")["open"] = {"days": "daily", "from": "10:00", "to": "24:00"}
    with pytest.raises(ReferralError, match=r"'buddy_bear': field 'hours.en'.*'10am'"):
        parse_directory(raw)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("weekdays", "open"),
        ({"days": ["monday"], "from": "08:30", "to": "17:30"}, "open.days"),
        ({"days": "daily", "from": "8.30", "to": "17:30"}, "open.from"),
        ({"days": "daily", "from": "12:00", "to": "11:00"}, "open.to"),
    ],
)
def test_malformed_opening_hours_fail_clearly(raw, value, field):
    _entry(raw, "buddy_bear")["open"] = value
    with pytest.raises(ReferralError, match=f"'buddy_bear': field '{re.escape(field)}'"):
        parse_directory(raw)
