"""PII redaction: property-based (hypothesis) and example-based tests, English and Malay."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import components.pii as pii_module  # noqa: E402
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


# --- the forms Malaysian children and parents really use ------------------------------------

# (text, the detail that must be gone, the kind it is reported as)
WRITTEN_FORMS = [
    # phones: grouped, bracketed, 0060, slashed, dotted, spelled out
    ("nombor aku 012 3456 789", "3456", "phone"),
    ("call (011) 2345 6789", "2345", "phone"),
    ("no aku 0060 12 345 6789", "345", "phone"),
    ("0060123456789", "0060123456789", "phone"),
    ("hp: 012/345 6789", "345", "phone"),
    ("012.345.6789 tu nombor dia", "345", "phone"),
    ("012 - 345 - 6789", "6789", "phone"),
    ("whatsapp saya +6019-876 5432", "876", "phone"),
    ("whatsapp aku 6012 345 6789", "6789", "phone"),
    ("0 1 2 3 4 5 6 7 8 9", "7 8 9", "phone"),
    ("01 23 45 67 89", "67 89", "phone"),
    ("O12-3456789", "3456789", "phone"),
    ("kosong satu dua tiga empat lima enam tujuh lapan sembilan", "tujuh lapan", "phone"),
    ("kosong satu tiga, dua dua tiga, empat lima enam tujuh", "empat lima", "phone"),
    ("zero one two three four five six seven eight nine", "seven eight", "phone"),
    ("oh one two three four five six seven eight nine", "seven eight", "phone"),
    ("zero one two double three four five six seven eight", "seven eight", "phone"),
    ("sifar satu sembilan lapan tujuh enam lima empat tiga dua", "tiga dua", "phone"),
    ("no fon: 03-8888 1234", "8888", "phone"),
    ("rumah: 07-123 4567", "4567", "phone"),
    ("office 082-123456", "123456", "phone"),
    ("+65 9123 4567 nombor pakcik aku", "9123", "phone"),
    ("no hp aku 12 345 6789", "6789", "phone"),
    ("my dad's number is 017 888 9999", "888", "phone"),
    ("nombor0123456789!!", "0123456789", "phone"),
    # MyKad
    ("ic aku 080512.10.1234", "1234", "ic"),
    ("ic 08 05 12 10 12 34", "12 34", "ic"),
    ("ic saya 0805 1210 1234", "1210", "ic"),
    ("IC: 080512 - 10 - 1234", "080512", "ic"),
    ("no kp 080512101234", "080512101234", "ic"),
    ("ic 08-05-12-10-12-34", "12-34", "ic"),
    ("mykad anak saya 120304-14-5678", "5678", "ic"),
    # e-mail addresses
    ("email aku aiman @ gmail.com", "aiman", "email"),
    ("_aiman99@gmail.com", "aiman99", "email"),
    ("m-1234567 @ moe-dl.edu.my", "1234567", "email"),
    ("m-1234567@moe-dl.edu.my", "1234567", "email"),
    ("emel anak: g-1234567@moe-dl.edu.my", "1234567", "email"),
    ("siti at gmail dot com", "siti", "email"),
    ("siti99 at gmail", "siti99", "email"),
    ("email: siti(at)yahoo(dot)com", "siti", "email"),
    ("siti [at] yahoo [dot] com", "siti", "email"),
    ("m-7654321 at moe-dl dot edu dot my", "7654321", "email"),
    ("ali @ gmail . com", "ali", "email"),
    ("ali_99@student.uitm.edu.my", "ali_99", "email"),
    ("siti.nur@yahoo.com.my", "siti.nur", "email"),
    # addresses
    ("rumah aku lorong 3 taman ria 08000 sungai petani", "taman ria", "address"),
    ("no 5 jalan besar, taman melati", "melati", "address"),
    ("No. 12, Jalan SS2/24, 47300 Petaling Jaya, Selangor", "SS2/24", "address"),
    ("saya tinggal di No 5, Lorong Mawar 2, Taman Bunga Raya, 43000 Kajang", "Bunga", "address"),
    ("alamat: 23 Jalan Kenanga 4/2 Bandar Baru Bangi", "Kenanga", "address"),
    ("unit A-3-5, Pangsapuri Seri Melati", "A-3-5", "address"),
    ("A-10-3 Residensi Bangsar", "A-10-3", "address"),
    ("aku duduk blok C tingkat 5", "blok C", "address"),
    ("rumah aku no 12 lorong 5", "no 12", "address"),
    ("47300 Petaling Jaya", "47300", "address"),
    ("poskod 08000", "08000", "address"),
    ("Lot 123 Kampung Baru", "123", "address"),
    ("rumah aku kat Taman Sri Muda", "Sri Muda", "address"),
    ("rumah nenek aku kat kampung sungai ular kuantan", "sungai ular", "address"),
    ("lrg 5 taman ria", "lrg 5", "address"),
    # schools
    ("saya sekolah di SJK(C) Chung Hwa", "Chung Hwa", "school"),
    ("sekolah aku SJK (T) Ladang Bukit", "Ladang", "school"),
    ("SJKT Ladang Edinburgh", "Edinburgh", "school"),
    ("SRJK (C) Kuen Cheng", "Kuen", "school"),
    ("sjk(c) kuen cheng", "kuen", "school"),
    ("sekolah aku smka sheikh abdul malek", "sheikh", "school"),
    ("MRSM Taiping", "Taiping", "school"),
    ("kolej vokasional shah alam", "shah alam", "school"),
    ("SMK (P) Sri Aman", "Sri Aman", "school"),
    ("SMK Seksyen 9 Shah Alam", "Shah Alam", "school"),
    ("SK Taman Tun Dr Ismail 1", "Tun Dr", "school"),
    ("Sek Keb Taman Melawati", "Melawati", "school"),
    ("Sekolah Menengah Kebangsaan Bukit Bintang", "Bintang", "school"),
    ("sekolah aku SMK Bandar Utama Damansara (4)", "Utama", "school"),
    # handles, also without digits, and nothing of them left
    ("ig aku aimanhakim", "aimanhakim", "handle"),
    ("insta: siti.nur99", "siti.nur99", "handle"),
    ("IG: Aiman.Hakim", "Hakim", "handle"),
    ("tiktok dia @abc_12", "abc_12", "handle"),
    ("tele aku ali_b", "ali_b", "handle"),
    ("telegram @ali_b", "ali_b", "handle"),
    ("add tele aku alib", "alib", "handle"),
    ("discord aku ali_b#0001", "0001", "handle"),
    ("add me on discord: ali#1234", "1234", "handle"),
    ("snap aku sitinur", "sitinur", "handle"),
    ("snapchat: ali.b", "ali.b", "handle"),
    ("twitter @ali", "ali", "handle"),
    ("x: alibaba", "alibaba", "handle"),
    ("ig@aiman_99", "aiman", "handle"),
    ("my roblox is xXdarkXx", "xXdarkXx", "handle"),
    ("roblox username ali_the_best", "the_best", "handle"),
    ("line id: aiman88", "aiman88", "handle"),
    ("wechat aiman_88", "aiman_88", "handle"),
    ("follow aiman99 kat tiktok", "aiman99", "handle"),
    ("dia minta ig aku, aku bagi la siti_nur", "siti_nur", "handle"),
    # profile links
    ("instagram.com/aiman.hakim", "aiman.hakim", "link"),
    ("www.instagram.com/siti", "siti", "link"),
    ("tiktok.com/@siti.nur", "siti.nur", "link"),
    ("https://www.tiktok.com/@aiman.99/video/123", "aiman.99", "link"),
    ("https://vm.tiktok.com/ZSabc123/", "ZSabc123", "link"),
    ("t.me/alibaba", "alibaba", "link"),
    ("fb.com/ali.baba", "ali.baba", "link"),
    ("https://www.facebook.com/profile.php?id=100012345678", "100012345678", "link"),
    ("wa.me/60123456789", "60123456789", "link"),
    ("https://x.com/ali_b", "ali_b", "link"),
    ("youtube.com/@alichannel", "alichannel", "link"),
    # game ids
    ("ML id 123456789 (1234)", "123456789", "id"),
    ("id ml aku 12345678 (2034)", "2034", "id"),
    ("ml: 123456789(1234)", "1234", "id"),
    ("id ML aku 123456789 server 2345", "2345", "id"),
    ("uid ff 1234567890", "1234567890", "id"),
    ("free fire id 1234567890", "1234567890", "id"),
    ("genshin uid 812345678", "812345678", "id"),
    ("UID genshin: 800123456", "800123456", "id"),
    ("pubg id 5123456789", "5123456789", "id"),
    # bank accounts and cards
    ("akaun maybank 1641 2345 6789", "2345", "account"),
    ("no akaun cimb 7012345678", "7012345678", "account"),
    ("transfer ke akaun 1234 5678 9012", "5678", "account"),
    ("no akaun: 5642-1234-5678", "5642", "account"),
    ("acc no 1234567890", "1234567890", "account"),
    ("kad 4111 1111 1111 1111 exp 12/27 cvv 123", "12/27", "account"),
    ("card no 4123 4567 8901 2345 exp 09/26 cvv 321", "321", "account"),
    ("4111111111111111", "4111111111111111", "account"),
    ("5555 5555 5555 4444", "4444", "account"),
    # passwords, PINs, TAC, OTP
    ("password aku sayangmama", "sayangmama", "password"),
    ("pw ig aku ali123", "ali123", "password"),
    ("my password is hello123", "hello123", "password"),
    ("pass: abc@123", "abc@123", "password"),
    ("kata laluan saya: rahsia99", "rahsia99", "password"),
    ("pwd=qwerty", "qwerty", "password"),
    ("kod otp 123456", "123456", "password"),
    ("otp is 654321", "654321", "password"),
    ("otp: 123 456", "123 456", "password"),
    ("pin atm 1234", "1234", "password"),
    ("pin kad bank mak aku 4321", "4321", "password"),
    ("my pin is 1234", "1234", "password"),
    ("tac 123456", "123456", "password"),
    ("kod pengesahan 987654", "987654", "password"),
    # names
    ("Ahmad bin Ismail", "Ismail", "name"),
    ("muthu a/l rajan", "rajan", "name"),
    ("Kavitha a/p Subramaniam", "Subramaniam", "name"),
    ("Rajesh s/o Kumar", "Kumar", "name"),
    ("siti nurhaliza binti tarudin", "tarudin", "name"),
    ("nama penuh aku Nur Aisyah binti Ahmad", "Aisyah", "name"),
    ("my full name is muhammad aiman bin zulkifli", "zulkifli", "name"),
    ("my name is Daniel Tan", "Daniel", "name"),
    ("nama aku siti nurhaliza dan aku 12 tahun", "nurhaliza", "name"),
    ("nama: Ali bin Abu", "Abu", "name"),
]


@pytest.mark.parametrize(("text", "secret", "kind"), WRITTEN_FORMS)
def test_written_forms_are_removed(text, secret, kind):
    result = redact(text)
    assert kind in result.kinds, result
    assert secret not in result.text, result
    assert redact(result.text).text == result.text  # and nothing more on a second pass


EVERYDAY = [
    # game levels, ranks and stars
    "aku dah level 45 dalam ml",
    "level 120 dah",
    "rank mythic 50 stars",
    "ML rank Epic 3",
    "PUBG level 50",
    # times
    "jumpa pukul 10.30 pagi",
    "class starts at 9pm",
    "bas sampai 7:45",
    "jadual 07.45 08.30 09.15 10.00",
    "pukul 0830 - 1030",
    "jam 2 petang",
    # money
    "harga dia RM50",
    "rm 10.90 je",
    "50 ringgit",
    "top up 10k diamonds",
    "harga RM 1,250.00",
    "rm1299",
    "harga 1,299",
    # ages, years, dates
    "aku umur 12 tahun",
    "i'm 14 years old",
    "born in 2011",
    "tahun 2010 2011 2012",
    "2010 2011 2012 2013",
    "exam on 12/5",
    "cuti 3 mac",
    "hari jadi aku 12/05/2011",
    "lahir 05-06-2012",
    "dia lahir 2012-06-05",
    "01/02/2023 - 05/02/2023",
    "SPM 2024 results",
    # pages, scores, grades
    "page 45",
    "muka surat 112",
    "score aku 85/100",
    "dapat 8A spm",
    "10/10 would recommend",
    "score 99999999 in flappy bird",
    # battery, temperature, percentages
    "battery 15%",
    "demam 38.5°C",
    "dapat 95%",
    # buses, classes, rooms
    "naik bas 780",
    "T789 bus",
    "kelas 4 bestari",
    "kelas 5 Amanah, 2 Cemerlang",
    "bilik 2.14",
    "aku rank 1 dalam kelas 5 Amanah",
    "form 3 tahun ni",
    # counts, durations, versions
    "video tu dah 3k views",
    "i got 1000000 coins",
    "main 2 jam",
    "1 jam 30 minit",
    "version 1.2.3",
    "ios 17.4.1",
    "minecraft 1.20.4",
    "tukar ke 5G",
    # heights, weights, maths
    "tinggi aku 150cm",
    "berat 45kg",
    "0.5kg",
    "12 x 34 = 408",
    "2+2=4",
    "0.123456789",
    "1 2 3 4 5 6 7 8 9 10",
    "satu dua tiga empat lima",
    # helplines: never redacted, whatever is around them
    "call 999",
    "tel 999",
    "talian kasih 15999",
    "buddy bear 1-800-18-2327",
    "whatsapp 019-261 5999",
    "nombor talian kasih 15999 atau whatsapp 019-261 5999",
    "call 15999 / 019-261 5999 sekarang",
    "befrienders (03) 7956 8145",
    "MCMC 1800 188 030",
    # words that look like a cue for something personal
    "my tiktok is amazing",
    "follow my ig for more",
    "ig aku private",
    "ig aku kena hack",
    "tele aku rosak",
    "someone on instagram is blackmailing me",
    "the guy from discord is outside my school",
    "can i report a tiktok account anonymously",
    "is it safe to put my ig handle in my tiktok bio",
    "kitorang main roblox sama2 lepas homework",
    "aku x tahu",
    "x nak la",
    "line dia busy",
    "password aku lupa",
    "password dia panjang gila",
    "macam mana buat password kuat",
    "patut ke saya tahu password anak",
    "tukar kata laluan bersama-sama.",
    "the code is easy",
    "nak pin post ni",
    "pass the ball",
    "i passed my exam",
    "diorang panggil aku gemuk kat komen",
    "is my name shown to anyone",
    "someone keeps shouting my name outside",
    "my dad shouted at me",
    "they only added me back to laugh at me",
    "report it at aduan.skmm.gov.my",
    "nombor 1 dalam kelas",
    "my number one fan",
    "hp aku iphone 15 pro",
    "phone aku dah 5 tahun",
    "wa aku dah 200 mesej",
    "call of duty",
    # places and schools named as everyday words
    "jalan kaki 2 jam",
    "jom jalan kaki ke sekolah",
    "jalan-jalan kat mall",
    "aku kat jalan sekarang",
    "balik kampung esok",
    "taman permainan dekat rumah",
    "lorong gelap tu seram",
    "main blok lego",
    "blok tu",
    "why should you block a blackmailer",
    "aku nak block dia",
    "dia tinggal kat KL",
    "sk tu best",
    "sekolah Isnin ni cuti",
    "i go to school by bus",
    "Section 11 of the Act makes it an offence",
    "jenayah di bawah seksyen 15B",
    "throw it in the bin please",
    "recycle bin full",
    "Selamat Hari Raya",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_text_is_left_alone(text):
    assert redact(text) == Redaction(text, [])


def test_the_training_examples_keep_their_words():
    """Thousands of everyday messages the model learns from: almost none look personal."""
    import yaml

    texts = []
    for path in sorted((ROOT / "nlu_data").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            for line in (item.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    texts.append(line.strip()[2:])
    assert len(texts) > 1000
    changed = [t for t in texts if redact(t).kinds]
    assert len(changed) <= len(texts) * 0.005, changed[:20]


# --- generated: personal details in every grouping -------------------------------------------

DIGIT_WORDS = {
    "0": ["zero", "kosong", "sifar", "oh"],
    "1": ["one", "satu"],
    "2": ["two", "dua"],
    "3": ["three", "tiga"],
    "4": ["four", "empat"],
    "5": ["five", "lima"],
    "6": ["six", "enam"],
    "7": ["seven", "tujuh"],
    "8": ["eight", "lapan"],
    "9": ["nine", "sembilan"],
}


@st.composite
def grouped(draw, number: str):
    """`number` cut into groups as people type it (3-4-3, 3-3-4, 2-4-4, pairs, one by one),
    joined by one separator style."""
    n = len(number)
    sizes = draw(
        st.sampled_from(
            [(3, n - 3), (3, 4, n - 7), (3, 3, n - 6), (2, 4, n - 6), (4, 3, n - 7)]
            + [(1,) * n, (2,) * (n // 2) + ((1,) if n % 2 else ())]
        )
    )
    groups, at = [], 0
    for size in sizes:
        groups.append(number[at : at + size])
        at += size
    joiner = draw(st.sampled_from([" ", "-", ".", " - ", "/"] if max(sizes) > 2 else [" ", "-"]))
    return joiner.join(g for g in groups if g)


@st.composite
def any_phone(draw):
    national = draw(
        st.one_of(
            st.from_regex(r"01[0-46-9][0-9]{7}", fullmatch=True),
            st.from_regex(r"011[0-9]{8}", fullmatch=True),
            st.from_regex(r"03[0-9]{8}", fullmatch=True),
            st.from_regex(r"0[4-79][0-9]{7}", fullmatch=True),
            st.from_regex(r"08[2-9][0-9]{6}", fullmatch=True),
        )
    )
    assume(national not in allowed()[0])
    style = draw(st.sampled_from(["plain", "grouped", "bracket", "0060", "+60", "words"]))
    if style == "grouped":
        return national, draw(grouped(national))
    if style == "bracket":
        return national, f"({national[:3]}) {national[3:7]} {national[7:]}"
    if style == "0060":
        return national, "0060 " + draw(grouped(national[1:]))
    if style == "+60":
        return national, "+60 " + draw(grouped(national[1:]))
    if style == "words":
        joiner = draw(st.sampled_from([" ", ", ", " "]))
        return national, joiner.join(draw(st.sampled_from(DIGIT_WORDS[d])) for d in national)
    return national, national


@SETTINGS
@given(before=filler, phone=any_phone(), after=filler)
def test_any_grouping_of_a_phone_number_is_removed(before, phone, after):
    national, written = phone
    result = redact(f"{before} {written} {after}")
    assert "phone" in result.kinds, (written, result)
    assert national[-4:] not in digits(result.text)


@st.composite
def any_mykad(draw):
    yy, mm, dd = draw(st.integers(0, 99)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    number = (
        f"{yy:02d}{mm:02d}{dd:02d}{draw(st.integers(1, 99)):02d}{draw(st.integers(0, 9999)):04d}"
    )
    style = draw(st.sampled_from(["dots", "pairs", "fours", "dashes", "spaced dashes"]))
    if style == "dots":
        return number, f"{number[:6]}.{number[6:8]}.{number[8:]}"
    if style == "pairs":
        return number, " ".join(number[i : i + 2] for i in range(0, 12, 2))
    if style == "fours":
        return number, " ".join(number[i : i + 4] for i in range(0, 12, 4))
    if style == "dashes":
        return number, f"{number[:6]}-{number[6:8]}-{number[8:]}"
    return number, f"{number[:6]} - {number[6:8]} - {number[8:]}"


@SETTINGS
@given(cue=st.sampled_from(["ic aku", "no kp", "mykad", "IC saya:", "ni ic dia"]), ic=any_mykad())
def test_any_mykad_grouping_is_removed(cue, ic):
    number, written = ic
    result = redact(f"{cue} {written}")
    assert "ic" in result.kinds, (written, result)
    assert not re.search(r"\d", result.text)


school_account = st.builds(
    lambda letter, n: f"{letter}-{n}@moe-dl.edu.my",
    st.sampled_from("mgd"),
    st.integers(1000000, 99999999),
)
spaced_email = st.builds(
    lambda a, b, left, right: f"{a}{left}@{right}{b}",
    local_part,
    domain,
    st.sampled_from(["", " "]),
    st.sampled_from(["", " "]),
)
underscored = st.builds(lambda a, b: f"_{a}@{b}", local_part, domain)
spoken = st.builds(
    lambda a, at, provider, dot: f"{a}{at}{provider}{dot}com",
    local_part,
    st.sampled_from([" at ", " (at) ", " [at] "]),
    st.sampled_from(["gmail", "yahoo", "hotmail"]),
    st.sampled_from([" dot ", " (dot) ", ".", " [dot] "]),
)


@SETTINGS
@given(
    before=filler,
    pii=st.one_of(school_account, spaced_email, underscored, spoken),
    after=filler,
)
def test_any_way_of_writing_an_email_is_removed(before, pii, after):
    result = redact(f"{before} {pii} {after}")
    assert "email" in result.kinds, (pii, result)
    assert "@" not in result.text and "moe-dl" not in result.text


handle_name = st.from_regex(r"[a-z]{3,8}(?:[._][a-z]{2,6})?[0-9]{0,3}", fullmatch=True).filter(
    lambda h: (
        h not in pii_module._STOP and h not in WORDS and not pii_module._HANDLE_KEY.fullmatch(h)
    )
)


@SETTINGS
@given(
    key=st.sampled_from(
        ["ig", "insta", "tiktok", "tele", "telegram", "discord", "snap", "twitter", "x"]
    ),
    link=st.sampled_from([": ", " : ", "=", " @", ": @", " aku: ", " dia = ", " id: "]),
    name=handle_name,
    after=st.sampled_from(["", " ok", " follow tau", ". thanks", "!"]),
)
def test_a_handle_after_a_platform_word_leaves_nothing_behind(key, link, name, after):
    result = redact(f"{key}{link}{name}{after}")
    assert "handle" in result.kinds, result
    for piece in re.split(r"[._]", name):
        if len(piece) >= 3:
            assert piece not in result.text, (name, result)


@SETTINGS
@given(
    host=st.sampled_from(
        [
            "instagram.com/",
            "https://www.instagram.com/",
            "tiktok.com/@",
            "https://www.tiktok.com/@",
            "t.me/",
            "fb.com/",
            "facebook.com/",
            "https://x.com/",
        ]
    ),
    name=handle_name,
)
def test_any_profile_link_is_removed(host, name):
    result = redact(f"ni akaun dia {host}{name} tolong report")
    assert result == Redaction("ni akaun dia [link] tolong report", ["link"])


def luhn_complete(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if pii_module._luhn(prefix + d))


@SETTINGS
@given(
    prefix=st.from_regex(r"[45][0-9]{14}", fullmatch=True),
    sep=st.sampled_from(["", " ", "-"]),
    before=filler,
)
def test_any_card_number_is_removed(prefix, sep, before):
    number = luhn_complete(prefix)
    written = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    result = redact(f"{before} {written}")
    assert "account" in result.kinds, result
    assert number[-4:] not in digits(result.text)


@SETTINGS
@given(
    key=st.sampled_from(
        ["kod otp", "otp is", "otp:", "tac", "kod tac", "pin atm", "my pin is", "pin:"]
    ),
    code=st.from_regex(r"[0-9]{4,6}", fullmatch=True),
)
def test_any_code_is_removed(key, code):
    result = redact(f"{key} {code}")
    assert result.kinds == ["password"] and code not in result.text


@SETTINGS
@given(
    cue=st.sampled_from(["ML id", "id ml", "uid ff", "ff id:", "genshin uid", "pubg id"]),
    number=st.from_regex(r"[1-9][0-9]{7,9}", fullmatch=True),
    zone=st.sampled_from(["", " (1234)", "(2034)", " server 2345"]),
)
def test_any_game_id_is_removed(cue, number, zone):
    result = redact(f"{cue} {number}{zone}")
    assert not re.search(r"\d{3}", result.text), result


# --- generated: everyday numbers stay -------------------------------------------------------


@st.composite
def everyday_number(draw):
    n = draw(st.integers(0, 999))
    h, m = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    d, mo = draw(st.integers(1, 28)), draw(st.integers(1, 12))
    year = draw(st.integers(1990, 2035))
    return draw(
        st.sampled_from(
            [
                f"level {n}",
                f"lvl {n}",
                f"rank {n} dalam kelas",
                f"{n} stars",
                f"pukul {h}.{m:02d}",
                f"at {h}:{m:02d}",
                f"{h % 12 + 1}pm",
                f"RM{n}",
                f"rm {n}.{m:02d}",
                f"{n} ringgit",
                f"{n}k diamonds",
                f"umur {n % 18 + 1} tahun",
                f"i'm {n % 18 + 1}",
                f"tahun {year}",
                f"{d}/{mo}",
                f"{d}/{mo}/{year}",
                f"{d:02d}.{mo:02d}.{year}",
                f"{d} mac",
                f"page {n}",
                f"muka surat {n}",
                f"{n % 101}/100",
                f"dapat {n % 10}A",
                f"battery {n % 101}%",
                f"{36 + n % 4}.{m % 10}°C",
                f"bas {n}",
                f"kelas {n % 6 + 1} bestari",
                f"{n}k views",
                f"{n % 24} jam {m} minit",
                f"v{n % 20}.{m}.{h}",
                f"{n % 101}%",
                f"bilik {n % 9 + 1}.{m:02d}",
                f"{100 + n % 100}cm",
                f"{20 + n % 80}kg",
                f"{n} x {m} = {n * m}",
            ]
        )
    )


@SETTINGS
@given(before=filler, number=everyday_number(), after=filler)
def test_everyday_numbers_stay(before, number, after):
    text = f"{before} {number} {after}"
    assert redact(text) == Redaction(text, [])


@SETTINGS
@given(
    cue=st.sampled_from(["call", "whatsapp", "nombor", "tel", "no hp", "hubungi", "sms"]),
    line=st.sampled_from(
        ["999", "15999", "1-800-18-2327", "019-261 5999", "0192615999", "1800 188 030"]
    ),
)
def test_helplines_survive_after_any_cue(cue, line):
    text = f"{cue} {line}"
    assert redact(text) == Redaction(text, [])


# --- spaCy missing ----------------------------------------------------------------------------


def test_without_spacy_the_patterns_still_work_and_one_line_is_logged(monkeypatch, caplog):
    import components.pii as pii

    def broken():
        raise ImportError("no spacy here")

    monkeypatch.setattr(pii, "_import_spacy", broken)
    monkeypatch.setattr(pii, "_SPACY_STATE", {"failed": False, "logged": False})
    secret = "rumah aku No 5, Jalan Besar, 47300 Petaling Jaya, nombor 012-345 6789"
    with caplog.at_level("WARNING", logger="components.pii"):
        first = redact(secret)
        second = redact("sekolah aku SMK Taman Melawati, ig aku aiman_99")
    assert first.text == "rumah aku [address], nombor [phone]"
    assert second.text == "sekolah aku [school], ig aku [handle]"
    records = [r for r in caplog.records if r.name == "components.pii"]
    assert len(records) == 1 and "spaCy" in records[0].getMessage()
    logged = records[0].getMessage()
    assert "Jalan" not in logged and "012" not in logged and "no spacy here" not in logged


def test_a_failing_finder_is_logged_once_without_text(monkeypatch, caplog):
    import components.pii as pii

    def broken(text):
        raise ValueError(text)

    broken.__name__ = "_email_spans"
    finders = tuple(broken if f is pii._email_spans else f for f in pii._FINDERS)
    monkeypatch.setattr(pii, "_FINDERS", finders)
    monkeypatch.setattr(pii, "_FAILED_FINDERS", set())
    with caplog.at_level("ERROR", logger="components.pii"):
        assert redact("call 012-345 6789 a@b.com").kinds == ["phone"]
        redact("again 012-345 6789")
    messages = [r.getMessage() for r in caplog.records if r.name == "components.pii"]
    assert len(messages) == 1 and "012" not in messages[0]


@pytest.mark.parametrize("text", ["ig: aaa112", "tiktok: adam999", "tele = siti15999"])
def test_a_handle_that_ends_in_helpline_digits_is_still_a_handle(text):
    """A username such as "adam999" is a person's handle, not the helpline 999."""
    result = redact(text)
    assert "handle" in result.kinds and result.text.endswith("[handle]"), result


# --- the street-word shortcut -----------------------------------------------------------------

STREET_TEXTS = [
    "rumah aku no 12 jalan mawar 3, taman melati",
    "No. 5, Jln Besar, Tmn Sri Muda, 40400 Shah Alam",
    "lot 7 kg baru",
    "20 kg beras",
    "jalan kaki 2 jam",
    "I live at 33 Lorong Hijau 4",
    "dia tunggu kat Seksyen 7",
    "Flat C-3-2, Pangsapuri Seri",
    "12 JALAN ΣΟΦΊΑ 5",
    "\u212ag baru",  # KELVIN SIGN: its lower case is "k"
]


@SETTINGS
@given(
    st.one_of(
        st.text(max_size=120),
        st.lists(st.sampled_from(WORDS + ["jalan", "Jln", "taman", "no", "12", "KG"])).map(
            " ".join
        ),
        st.sampled_from(STREET_TEXTS),
    )
)
def test_skipping_spacy_without_a_street_word_finds_the_same_streets(text):
    nlp, matcher = pii_module._pipeline()
    assert pii_module._street_spans(text) == pii_module._spacy_street_spans(nlp, matcher, text)


def test_the_street_word_shortcut_still_finds_addresses():
    nlp, matcher = pii_module._pipeline()
    for text in STREET_TEXTS:
        assert pii_module._street_spans(text) == pii_module._spacy_street_spans(nlp, matcher, text)
    assert pii_module._street_spans("No. 5, Jln Besar, Tmn Sri Muda")
    assert pii_module._street_spans("hello, can you help me") == []
