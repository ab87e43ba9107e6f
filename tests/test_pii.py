"""PII redaction: property-based (hypothesis) and example-based tests, English and Malay."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components.pii import HELPLINES, Redaction, allowed, redact  # noqa: E402

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- generators ---------------------------------------------------------------------------

# Ordinary words (no street/school keyword, no digits): the text around the PII.
WORDS = (
    "hi hello tolong aku saya dia nak tanya boleh call me please text this is my number "
    "nombor kalau ada apa okay thanks terima kasih bro sis weh lah je kot eh the a an and "
    "ok jumpa esok malam ni contact hubungi whatsapp wasap reach emel email mesej message "
    "dont tell anyone jangan bagitau sesiapa 😭 🙏 ❤️ ! ? , . : ( ) - mcm mana report "
    "ibu bapa parent cikgu kawan friend game roblox"
).split()
filler = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join)
sep = st.sampled_from(["", " ", "-", "."])


@st.composite
def mobile(draw):
    prefix = draw(st.sampled_from(["0", "+60", "60", "+60 ", "+6 0"]))
    code = draw(st.sampled_from(["10", "12", "13", "14", "16", "17", "18", "19"]))
    middle = draw(st.text("0123456789", min_size=3, max_size=3))
    last = draw(st.text("0123456789", min_size=4, max_size=4))
    if code == "11":
        middle += draw(st.text("0123456789", min_size=1, max_size=1))
    return f"{prefix}{code}{draw(sep)}{middle}{draw(sep)}{last}"


@st.composite
def eleven(draw):
    middle = draw(st.text("0123456789", min_size=4, max_size=4))
    last = draw(st.text("0123456789", min_size=4, max_size=4))
    return f"011{draw(sep)}{middle}{draw(sep)}{last}"


@st.composite
def landline(draw):
    area = draw(st.sampled_from(["03", "04", "05", "06", "07", "09"]))
    middle = draw(st.text("0123456789", min_size=4, max_size=4))
    last = draw(st.text("0123456789", min_size=4, max_size=4))
    return f"{area}{draw(st.sampled_from(['-', ' ', '']))}{middle}{draw(sep)}{last}"


@st.composite
def mykad(draw):
    yy = draw(st.integers(0, 99))
    mm = draw(st.integers(1, 12))
    dd = draw(st.integers(1, 28))
    pb = draw(st.integers(1, 99))
    tail = draw(st.integers(0, 9999))
    dash = draw(st.sampled_from(["-", "", " "]))
    return f"{yy:02d}{mm:02d}{dd:02d}{dash}{pb:02d}{dash}{tail:04d}"


local_part = st.from_regex(r"[a-z][a-z0-9._]{0,14}[a-z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s
)
domain = st.sampled_from(["gmail.com", "yahoo.com.my", "hotmail.com", "moe.edu.my", "x.co"])
email = st.builds(lambda a, b: f"{a}@{b}", local_part, domain)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- properties -----------------------------------------------------------------------------


@SETTINGS
@given(before=filler, pii=st.one_of(mobile(), eleven(), landline()), after=filler)
def test_any_phone_is_removed(before, pii, after):
    result = redact(f"{before} {pii} {after}")
    assert "phone" in result.kinds
    assert "[phone]" in result.text
    assert digits(pii) not in digits(result.text)
    assert not re.search(r"\d", result.text)


@SETTINGS
@given(before=filler, pii=mykad(), after=filler)
def test_any_mykad_is_removed(before, pii, after):
    result = redact(f"{before} {pii} {after}")
    assert result.kinds == ["ic"], (pii, result)
    assert not re.search(r"\d", result.text)


@SETTINGS
@given(before=filler, pii=email, after=filler)
def test_any_email_is_removed(before, pii, after):
    result = redact(f"{before} {pii} {after}")
    assert "email" in result.kinds
    assert pii not in result.text and "@" not in result.text


@SETTINGS
@given(glue=st.sampled_from(["nombor", "no:", "(", "tel"]), pii=st.one_of(mobile(), mykad()))
def test_pii_glued_to_words_is_removed(glue, pii):
    result = redact(f"{glue}{pii}!!")
    assert not re.search(r"\d", result.text), result


@SETTINGS
@given(st.text(max_size=300))
def test_redaction_is_idempotent_and_never_raises(text):
    once = redact(text)
    assert isinstance(once, Redaction) and isinstance(once.text, str)
    assert redact(once.text).text == once.text


@SETTINGS
@given(st.lists(st.one_of(filler, mobile(), mykad(), email), max_size=6).map(" , ".join))
def test_mixed_text_is_idempotent(text):
    once = redact(text)
    twice = redact(once.text)
    assert twice.text == once.text and twice.kinds == []


@SETTINGS
@given(filler)
def test_text_without_pii_is_unchanged(text):
    assert redact(text) == Redaction(text, [])


@SETTINGS
@given(
    before=filler,
    line=st.sampled_from(
        sorted(HELPLINES)
        + [
            "999",
            "15999",
            "1-800-18-2327",
            "019-261 5999",
            "1800 188 030",
            "03-7627 2929",
        ]
    ),
    after=filler,
)
def test_helplines_survive(before, line, after):
    text = f"{before} {line} {after}"
    assert redact(text).text == text


# --- examples --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("nombor aku 012-3456789", "nombor aku [phone]", ["phone"]),
        ("my ic 080512-10-1234", "my ic [ic]", ["ic"]),
        ("ic saya 080512101234", "ic saya [ic]", ["ic"]),
        ("saya sekolah di SMK Taman Melawati", "saya sekolah di [school]", ["school"]),
        ("call me at 012-345 6789 tonight", "call me at [phone] tonight", ["phone"]),
        ("+60 12-345 6789", "[phone]", ["phone"]),
        ("60123456789", "[phone]", ["phone"]),
        ("rumah 03-1234 5678", "rumah [phone]", ["phone"]),
        ("my number is 011-1234 5678", "my number is [phone]", ["phone"]),
        ("email aku aiman.99@gmail.com", "email aku [email]", ["email"]),
        ("emel saya siti at gmail dot com", "emel saya [email]", ["email"]),
        ("add me @aiman_99", "add me [handle]", ["handle"]),
        ("ig aku: aiman_99", "ig aku: [handle]", ["handle"]),
        ("my tiktok is siti.x_", "my tiktok is [handle]", ["handle"]),
        ("No. 12, Jalan Mawar 3, Taman Melawati", "[address]", ["address"]),
        ("i live at 12 jalan ss2/24 petaling jaya", "i live at [address]", ["address"]),
        (
            "rumah aku kat jalan mawar 3 dekat kedai",
            "rumah aku kat [address] dekat kedai",
            ["address"],
        ),
        ("saya tinggal di taman melawati", "saya tinggal di [address]", ["address"]),
        ("aku belajar kat SK Bukit Damansara", "aku belajar kat [school]", ["school"]),
        ("anak saya di SJK(C) Chung Hwa", "anak saya di [school]", ["school"]),
        ("sekolah kebangsaan seri indah", "[school]", ["school"]),
        (
            "hubungi aku 0123456789 atau aiman@gmail.com",
            "hubungi aku [phone] atau [email]",
            ["phone", "email"],
        ),
    ],
)
def test_examples(text, expected, kinds):
    assert redact(text) == Redaction(expected, kinds)


@pytest.mark.parametrize(
    "text",
    [
        "call 15999 or 999 now",
        "whatsapp talian kasih 019-261 5999",
        "buddy bear 1-800-18-2327",
        "1800 188 030",
        "email cyber999@cybersecurity.my",
        "/start@JagaBot",
        "@JagaBot help",
        "my ig is private",
        "jom jalan kaki ke sekolah",
        "main kat taman permainan",
        "jalan jem teruk pagi tadi",
        "i go to school by bus",
        "sk tu best",
        "i'm 12 years old, form 1",
        "umur aku 14 tahun",
        "rm500 by tonight",
        "exam on 12/05/2024",
        "the score was 3-1",
        "",
        "\u200b\u200c\u200d",
        "مرحبا كيف حالك",
        "😭🙏❤️",
    ],
)
def test_not_pii(text):
    assert redact(text) == Redaction(text, [])


@pytest.mark.parametrize(
    "text",
    [
        None,
        b"\xff\xfe\x00binary",
        "\x00\x01\x02",
        "\ud800 lone surrogate 0123456789",
        12345,
        "a" * 100_000,
        "0123456789 " * 5000,
        "@" * 5000,
        "\u202e0123456789\u202c",
        "١٢٣٤٥٦٧٨٩٠",
    ],
)
def test_never_raises(text):
    result = redact(text)
    assert isinstance(result, Redaction)


def test_zero_width_inside_number_is_still_a_number_after_cleanup():
    from components.text import clean

    assert redact(clean("012\u200b-345\u200b6789")).kinds == ["phone"]


def test_allow_list_reads_the_referral_directory():
    numbers, emails = allowed()
    assert "15999" in numbers and "0192615999" in numbers
    assert all(isinstance(e, str) for e in emails)


def test_fast():
    texts = [
        "nombor aku 012-3456789 dan rumah aku kat jalan mawar 3",
        "hi saya nak tanya pasal grooming, anak saya sekolah di SMK Taman Melawati",
        "hello how are you today",
    ] * 50
    redact("warm up")
    started = time.perf_counter()
    for text in texts:
        redact(text)
    per_message_ms = (time.perf_counter() - started) / len(texts) * 1000
    print(f"\npii: {per_message_ms:.3f} ms a message")
    assert per_message_ms < 5
    started = time.perf_counter()
    redact("x " * 50_000)
    assert time.perf_counter() - started < 5
