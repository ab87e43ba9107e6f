"""PII redaction: personal details are replaced with placeholders before a message is logged,
stored or seen by Rasa.

    >>> redact("nombor aku 012 3456 789").text
    'nombor aku [phone]'

What is found, in the ways Malaysian children and parents write it:

- numbers (`_number_spans`): phone numbers in any grouping, bracketed, with +60/60/0060, with
  dots, slashes or digit words ("kosong satu dua..."), MyKad numbers (any grouping), card
  numbers (Luhn), bank accounts and game ids after a word that names them;
- e-mail addresses, also "name @ gmail.com", "name at gmail dot com", school accounts;
- profile links (instagram.com/..., tiktok.com/@..., t.me/..., fb.com/..., wa.me/...);
- handles after a platform word ("ig aku aiman", "discord: ali#1234", "line id ...");
- passwords, PINs, OTP and TAC codes ("password aku ...", "kod otp 123456", "pin atm 1234");
- full names joined with bin/binti/a/l/a/p/s/o/d/o, and names after "nama aku", "my name is";
- school names (SK, SMK, SJK(C), SJK(T), SMKA, MRSM, kolej vokasional, ...);
- addresses: street words with a name or number (a blank spaCy pipeline's `Matcher`, no model
  download), unit numbers (A-3-5), "blok C", "no 12", postcodes before a town.

Everyday numbers stay: levels, ranks, times, money, ages, years, dates, scores, page and room
numbers, percentages, versions, maths. Public helplines (999, 15999, 019-261 5999,
1-800-18-2327, ...), the contacts in `actions/referrals.yml` and the public numbers in
`knowledge/sources.yml` are never redacted, nor is anything touching them.

Everything but the street-word addresses is found with regular expressions. If spaCy cannot be
loaded, that is logged once (no text) and the rest keeps working. `redact` never raises.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, List, Set, Tuple

logger = logging.getLogger(__name__)

PLACEHOLDERS = {
    "phone": "[phone]",
    "ic": "[ic]",
    "email": "[email]",
    "address": "[address]",
    "school": "[school]",
    "handle": "[handle]",
    "link": "[link]",
    "id": "[id]",
    "account": "[account]",
    "password": "[password]",
    "name": "[name]",
}
# On overlap, earlier-starting then longer spans win; at a tie, the kind named first here.
KIND_ORDER = (
    "ic",
    "account",
    "password",
    "email",
    "link",
    "phone",
    "id",
    "handle",
    "name",
    "school",
    "address",
)
MAX_CHARS = 200_000  # longer texts are cut; nobody types more into a chat

REFERRALS_FILE = Path(__file__).resolve().parents[1] / "actions" / "referrals.yml"
KNOWLEDGE_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "sources.yml"

# Public numbers people must be able to see and share: never redacted.
HELPLINES = {
    "999",
    "112",
    "15999",  # Talian Kasih
    "0192615999",  # Talian Kasih WhatsApp
    "18001827",
    "1800182327",  # Buddy Bear
    "1800188030",
    "15555",  # Talian HEAL
    "0376272929",  # Befrienders KL
    "0379568145",  # Befrienders KL (old line)
}


@dataclass
class Redaction:
    """The redacted text and the kinds of PII removed, in order of appearance (no repeats)."""

    text: str
    kinds: List[str] = field(default_factory=list)


Span = Tuple[int, int, str]

# --- words that are never a name, a handle or a password -----------------------------------

_STOP = frozenset(
    """
    a an and are as at be been but by can could did do does done for from get got go going gone
    had has have he her here him his how i if in into is it its just like me mine more most my
    no not now of off on one only or our out over own same she so some such than that the their
    them then there these they this those to too under up us very was we were what when where
    which while who whom why will with would you your yours am also always any anyone anything
    ask asked back bad because before best better big both came come cool day days dont don't
    doesnt didnt cant can't wont won't isnt nothing every everyone everything few fine first
    friend friends fun funny game games give good great guy guys happy hate help hey hi hello
    hmm idk im i'm ive i've know last later let lets let's lol look lot love made make many
    maybe mean much must need never new next nice night nope ok okay old omg other people play
    played please pls plz private public real really right said say see seen should since sorry
    still stop sure take tell thank thanks thing things think though time today tomorrow tonight
    true try want way well went whats what's yeah yes yesterday yet yo amazing awesome boring
    weird scary creepy cute annoying hacked hack banned ban deleted delete locked lock blocked
    block down gone lost stolen changed change reset forgot forget wrong correct different
    secret safe unsafe strong weak long short easy hard simple account acc accounts page profile
    post posts story stories video videos live link bio followers follower following follow dm
    dms inbox chat chats message messages msg text call number email id name username user
    handle password code pin otp same also only dont tell anyone contact reach report parent
    parents teacher school class home house mum mom dad sister brother number
    aku saya sy ak ko kau awak hang engkau dia diorang dorang mereka kami kita korang kamu anda
    beliau ni ini tu itu sini situ sana yang dan atau tapi tetapi kalau jika bila apabila sebab
    kerana untuk utk pada kepada dari daripada dengan dgn ke di kat dekat dkt dalam luar atas
    bawah macam mcm seperti je jer jek sahaja saja pun lah la kot kut eh ah oh weh wei bro sis
    bang kak adik abang akak mak ayah ibu bapa cikgu kawan member geng dah sudah belum blm lum
    tak tk x tidak bukan nak hendak mahu mau boleh bole bleh leh mesti kena perlu ada takde
    tiada xde xda apa ape mana siapa sapa kenapa knp napa camne macamana bagaimana berapa brape
    semua semuanya banyak sikit sedikit lagi juga jugak pula pulak baru lama teruk gila sangat
    sgt sungguh betul salah lupa ingat tahu tau taktau tukar hilang rosak sendiri lain sama
    terima kasih tq tolong tanya jumpa esok semalam tadi nanti sekarang skrg malam pagi petang
    hari minggu bulan tahun umur punya nama sekolah rumah kelas main baik jahat takut risau
    sedih marah penat suka benci sayang rindu kata cakap bagi bagitau beritahu hantar dapat buat
    pergi balik datang tengok lihat baca tulis taip guna pakai cari jangan sesiapa hubungi
    whatsapp wasap emel mesej okey ok nombor alamat akaun kod laluan anak child kid kids orang
    lepas terus sama2 kuat lemah selamat bagus susah senang menang kalah viral keluar naik masuk
    tersebar disebut dipanggil noob budak lelaki perempuan girl boy girls boys man woman lives
    level lvl rank server zone stars star tier season episode part mode muka surat bilik bas
    harga pukul minit jam battery version markah skor score tinggi berat demam top cuti exam
    lahir jadi born page views diamonds ringgit coins
    isnin selasa rabu khamis jumaat sabtu ahad monday tuesday wednesday thursday friday saturday
    sunday january february march april may june july august september october november
    december januari februari mac mei jun julai ogos oktober disember
    """.split()
)


def _word(token: str) -> str:
    return token.lower().strip(".,!?;:'\"()")


# --- numbers: phones, MyKad, cards, bank accounts, game ids ------------------------------

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "kosong": "0", "sifar": "0",
    "one": "1", "satu": "1", "two": "2", "dua": "2", "three": "3", "tiga": "3",
    "four": "4", "empat": "4", "five": "5", "lima": "5", "six": "6", "enam": "6",
    "seven": "7", "tujuh": "7", "eight": "8", "lapan": "8", "nine": "9", "sembilan": "9",
}  # fmt: skip
_REPEAT_WORDS = {"double": 2, "dobel": 2, "triple": 3}
_NUMBER_TOKEN = re.compile(r"\d+|[A-Za-z]+|\+")
# What may stand between the pieces of one number: spaces, dashes, dots, slashes, brackets.
# (and the keycap marks of emoji digits: 0️⃣1️⃣2️⃣)
_NUMBER_GAP = re.compile(r"[\s\-./(),\u2010-\u2015\ufe0f\u20e3]{0,6}")
_CURRENCY_BEFORE = re.compile(r"(?:\brm|\bmyr|\busd|\bsgd|\brp|[$£€¥])\s*$", re.IGNORECASE)
# Dates and times are never part of a phone number: "05/06/2012 10.30", "07.45 08.30".
_DATE_OR_TIME = re.compile(
    r"(?<!\d)(?<!\d[-./])(?:0?[1-9]|[12]\d|3[01])([./-])(?:0?[1-9]|1[0-2])\1(?:19|20)?\d{2}"
    r"(?![-./]?\d)"
    r"|(?<!\d)(?<!\d[-./])(?:19|20)\d{2}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])(?![-./]?\d)"
    r"|(?<![\d.:])(?:[01]?\d|2[0-3])[.:][0-5]\d(?:\s*(?:am|pm|pagi|petang|malam))?(?![\d.:])",
    re.IGNORECASE,
)
_DATE_INSIDE = re.compile(
    r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])([./-])(?:0?[1-9]|1[0-2])\1(?:19|20)?\d{2}(?!\d)"
)
# Words shortly before a number that say what it is.
_PHONE_CUES = frozenset(
    """phone fon telefon tel tele hp handphone henfon mobile whatsapp wasap watsap ws wa call
    sms text contact hubungi nombor number num no phoneno""".split()
)
_IC_CUES = frozenset("ic mykad kp pengenalan nric mykid".split())
_BANK_CUES = frozenset(
    """akaun account acc acct bank banking transfer tf bankin bank-in duitnow maybank maybank2u
    m2u cimb rhb bsn ambank affin hlb hongleong hong leong alliance agrobank muamalat rakyat
    islam public pbb ocbc uob hsbc standard tng touchngo boost grabpay shopeepay ewallet
    e-wallet""".split()
)
_CARD_CUES = frozenset("card kad visa mastercard master amex debit credit kredit".split())
_GAME_CUES = frozenset(
    """ml mlbb mobile legends legend ff freefire free fire genshin hsr honkai pubg pubgm bgmi cod
    codm valorant uid roblox minecraft fortnite clash coc brawl stars steam epic psn xbox
    player game gamer id""".split()
)
_ZONE_AFTER = re.compile(r"\s*(?:\(\s*\d{2,5}\s*\)|(?:zone|server|sv)\s*[:#]?\s*\d{2,5})", re.I)
_EXCLUDED_PREFIXES = ("1300", "1800", "1700")  # business and toll-free numbers


@dataclass
class _Piece:
    start: int
    end: int
    digits: str
    plus: bool = False


def _number_runs(text: str) -> Iterable[List[_Piece]]:
    """Runs of digits and digit words that may be one number ("012 345 6789", "kosong satu")."""
    run: List[_Piece] = []
    plus_at: int | None = None
    repeat, repeat_end = 0, 0
    for match in _NUMBER_TOKEN.finditer(text):
        token = match.group(0)
        if token == "+":
            plus_at = match.end()
            continue
        if token.isdigit():
            digits = token
            if _glued(text, match):
                digits = ""  # part of a word: abc123, 0@gmail.com, photo_01
        else:
            lower = token.lower()
            if lower in _REPEAT_WORDS and run:
                repeat, repeat_end = _REPEAT_WORDS[lower], match.end()
                continue
            digits = _DIGIT_WORDS.get(lower, "")
            if lower == "o" and not (token == "O" or _adjacent_digit(text, match)):
                digits = ""  # a lone "o" is zero only next to a number
        if not digits:
            if run:
                yield run
            run, repeat, plus_at = [], 0, None
            continue
        gap_from = run[-1].end if run else match.start()
        if repeat:
            digits, repeat, gap_from = digits * repeat, 0, repeat_end
        if run and not _NUMBER_GAP.fullmatch(text, gap_from, match.start()):
            yield run
            run = []
        plus = plus_at is not None and not text[plus_at : match.start()].strip()
        run.append(_Piece(match.start(), match.end(), digits, plus))
        plus_at = None
    if run:
        yield run


def _glued(text: str, match: re.Match) -> bool:
    """Digits that run on into a word ("0@gmail.com", "123abc", "photo_01") are not a number
    of their own; digits after a word are ("nombor0123456789")."""
    after = text[match.end() : match.end() + 1]
    return after.isalpha() or after in ("@", "_") or text[match.start() - 1 : match.start()] == "_"


def _adjacent_digit(text: str, match: re.Match) -> bool:
    after = text[match.end() : match.end() + 2]
    return bool(after[:1].isdigit() or (after[:1] in " -" and after[1:2].isdigit()))


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _valid_date(yymmdd: str) -> bool:
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


def _phone_digits(digits: str, plus: bool) -> str | None:
    """The national form (0...) of a Malaysian number, '+' for a foreign one, else None."""
    if digits.startswith("0060"):
        digits = "0" + digits[4:]
    elif digits.startswith("60") and (plus or len(digits) >= 11):
        digits = "0" + digits[2:]
    elif plus:
        return "+" if 8 <= len(digits) <= 14 else None
    if re.fullmatch(r"01\d{8,9}", digits) or re.fullmatch(r"0[3-9]\d{7,8}", digits):
        return digits
    return None


class _Cues:
    """The words just before a position, lower-cased (computed once per position)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._cache: dict[int, Set[str]] = {}

    def before(self, position: int, words: int = 4) -> Set[str]:
        if position not in self._cache:
            window = _PLACEHOLDER.sub(" ", self.text[max(0, position - 60) : position].lower())
            tokens = re.findall(r"[a-z0-9][a-z0-9\-]*", window)[-words:]
            self._cache[position] = set(tokens)
        return self._cache[position]


_URL = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w@.])[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*\.[a-z]{2,6}/\S*|(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\d.])",
    re.IGNORECASE,
)  # web addresses and IP addresses


def _number_spans(text: str) -> List[Span]:
    """Numbers of every kind; the digits of a web address are left to the link finder."""
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    return [s for s in _numbers(text) if not any(a <= s[0] < b for a, b in urls)]


def _numbers(text: str) -> List[Span]:
    numbers, _ = allowed()
    protected = [(m.start(), m.end()) for m in _DATE_OR_TIME.finditer(text)]
    cues = _Cues(text)
    card_words = bool(
        re.search(r"\b(?:card|kad|cvv|cvc|visa|mastercard|debit|credit)\b", text, re.I)
    )
    spans: List[Span] = []
    for run in _number_runs(text):
        i = 0
        while i < len(run):
            best: Tuple[int, str] | None = None
            fallback: Tuple[int, str] | None = None
            for j in range(i, min(len(run), i + 20)):
                digits = "".join(p.digits for p in run[i : j + 1])
                if len(digits) > 20:
                    break
                if any(a < run[j].end and run[i].start < b for a, b in protected):
                    break  # a date or a time
                kind = _classify(text, run, i, j, digits, numbers, cues, card_words)
                if kind == "allowed":
                    best = (j, kind)
                    break
                if kind == "long":
                    fallback = (j, "account")
                elif kind:
                    best = (j, kind)
            best = best or fallback
            if best is None:
                i += 1
                continue
            j, kind = best
            start, end = run[i].start, run[j].end
            if run[i].plus:
                start = text.rfind("+", 0, start)
            if text[start - 1 : start] == "(" and ")" in text[start:end]:
                start -= 1  # "(011) 2345 6789"
            if text[end : end + 1] == ")" and "(" in text[start:end]:
                end += 1  # "123456789(1234)"
            if kind == "id":
                zone = _ZONE_AFTER.match(text, end)
                if zone:
                    end = zone.end()
            while text[end : end + 1] in ("\ufe0f", "\u20e3"):
                end += 1  # the keycap marks after an emoji digit
            spans.append((start, end, kind))  # "allowed" too: see _without_public_numbers
            i = j + 1
    spans.extend(_card_extras(text, spans, card_words))
    return spans


def _classify(
    text: str,
    run: List[_Piece],
    i: int,
    j: int,
    digits: str,
    numbers: Set[str],
    cues: _Cues,
    card_words: bool,
) -> str | None:
    start, end = run[i].start, run[j].end
    raw = text[start:end]
    if _CURRENCY_BEFORE.search(text, max(0, start - 6), start):
        return None
    if text[end : end + 1] in ("%", "°") or re.match(
        r"\s*(?:%|°|k\b|km\b|kg\b|cm\b)", text[end : end + 4]
    ):
        return None
    before = cues.before(start)
    groups = [p.digits for p in run[i : j + 1]]
    if ":" in raw or (len(groups) > 1 and max(len(g) for g in groups) <= 2 and "." in raw):
        return None  # times: 10.30, 07:45
    if len(groups) > 1 and groups[0] == "0" and raw[1:2] == ".":
        return None  # a decimal: 0.123456789
    national = _phone_digits(digits, run[i].plus)
    allowed_number = digits in numbers or (national is not None and national in numbers)
    if allowed_number or digits.startswith(_EXCLUDED_PREFIXES) and len(digits) in (10, 11):
        return "allowed"
    date_like = bool(_DATE_INSIDE.search(raw))
    years = all(re.fullmatch(r"(?:19|20)\d\d", g) for g in groups)
    if len(digits) == 12 and not run[i].plus and not (years and len(groups) > 1):
        if before & _IC_CUES or (not date_like and _valid_date(digits[:6]) and digits[6:8] != "00"):
            return "ic"
    if (
        len(groups) == 2
        and 6 <= len(groups[0]) <= 12
        and 2 <= len(groups[1]) <= 5
        and "(" in raw
        and before & _GAME_CUES
    ):
        return "id"  # Mobile Legends: id (zone)
    if 13 <= len(digits) <= 19 and not date_like:
        card_groups = len(groups) == 1 or all(3 <= len(g) <= 6 for g in groups)
        if _luhn(digits) and digits[0] in "3456" and card_groups and not run[i].plus:
            return "account"
        if before & _CARD_CUES or (card_words and all(len(g) == 4 for g in groups[:-1])):
            return "account"
    if national and (len(groups) > 1 or len(digits) >= 9 or run[i].plus):
        return "phone"
    if 8 <= len(digits) <= 20 and before & _BANK_CUES and not date_like:
        return "account"
    if 6 <= len(digits) <= 12 and len(groups) == 1 and before & _GAME_CUES:
        return "id"
    if before & _PHONE_CUES and not date_like and not digits.startswith("1800"):
        if re.fullmatch(r"1\d{8,9}", digits) or (7 <= len(digits) <= 8 and len(groups) <= 2):
            return "phone"  # "no hp 12 345 6789": the leading 0 left out
    if (
        not date_like
        and not years
        and (
            (len(groups) == 1 and len(digits) >= 12)
            or (len(groups) >= 3 and all(len(g) == 4 for g in groups))
        )
    ):
        return "long"  # a long number of its own: an account, a card, an IC
    return None


_CVV = re.compile(r"\b(?:cvv2?|cvc2?|cid|csc)\s*(?:no|number|is|ialah|:|=|-)?\s*\d{3,4}\b", re.I)
_EXPIRY = re.compile(
    r"\b(?:exp(?:iry|ire|ires|ired)?(?:\s*date)?|valid\s+(?:thru|through|until)|tarikh\s+luput|"
    r"luput)\s*[:=-]?\s*(?:0[1-9]|1[0-2])\s*/\s*(?:20)?\d{2}\b",
    re.IGNORECASE,
)


def _card_extras(text: str, spans: List[Span], card_words: bool) -> List[Span]:
    """CVV anywhere; an expiry date only beside a card."""
    extra = [(m.start(), m.end(), "account") for m in _CVV.finditer(text)]
    if card_words or extra or any(kind == "account" for _, _, kind in spans):
        extra += [(m.start(), m.end(), "account") for m in _EXPIRY.finditer(text)]
    return extra


# --- e-mail addresses and links ----------------------------------------------------------

_TLDS = (
    r"(?:com|net|org|edu|gov|mil|info|biz|io|co|me|my|sg|uk|id|app|dev|xyz|online|site|live|"
    r"email|mail)"
)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_EMAIL = re.compile(
    # written plainly: aiman@gmail.com, _aiman@gmail.com
    rf"(?<![\w.+-])[\w.+-]{{1,64}}@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,24}}(?![\w-])"
    # spaces around "@" and the dots, before a known ending: siti @ gmail . com
    rf"|(?<![\w.+-])[\w.+-]{{1,64}}[ \t]{{0,2}}@[ \t]{{0,2}}{_LABEL}(?:[ \t]?\.[ \t]?{_LABEL})*"
    rf"[ \t]?\.[ \t]?{_TLDS}(?:[ \t]?\.[ \t]?my)?\b",
    re.IGNORECASE,
)
_AT_MARK = r"\s*[\(\[\{<]\s*(?:at|@)\s*[\)\]\}>]\s*"
_DOT_WORD = r"(?:\s*[\(\[\{<]\s*(?:dot|titik)\s*[\)\]\}>]\s*|\s+(?:dot|titik)\s+)"
_DOT = rf"(?:{_DOT_WORD}|\s?\.\s?)"
_BARE_PROVIDERS = r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|icloud|protonmail)"
_EMAIL_SPOKEN = re.compile(
    # ali(at)yahoo(dot)com, ali [at] yahoo.com
    rf"(?<![\w.+-])[\w.+-]{{2,64}}{_AT_MARK}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TLDS}\b"
    # siti at gmail.com, siti at gmail dot com, siti99 at gmail
    rf"|(?<![\w.+-])[\w.+-]{{2,64}}\s+(?:at|@)\s+{_BARE_PROVIDERS}(?:{_DOT}{_TLDS}\b(?:{_DOT}my\b)?)?"
    # m-1234567 at moe-dl dot edu dot my (at least one "dot" said as a word: "complaints at
    # aduan.skmm.gov.my" is a website, not an address)
    rf"|(?<![\w.+-])[\w.+-]{{2,64}}\s+(?:at|@)\s+{_LABEL}(?:{_DOT}{_LABEL})*{_DOT_WORD}{_TLDS}\b"
    rf"|(?<![\w.+-])[\w.+-]{{2,64}}\s+(?:at|@)\s+{_LABEL}{_DOT_WORD}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TLDS}\b",
    re.IGNORECASE,
)
_PROFILE_HOSTS = (
    r"instagram\.com|instagr\.am|ig\.me|tiktok\.com|vm\.tiktok\.com|vt\.tiktok\.com|t\.me|"
    r"telegram\.me|telegram\.dog|fb\.com|fb\.me|facebook\.com|m\.me|messenger\.com|"
    r"twitter\.com|x\.com|snapchat\.com|discord\.gg|discord\.com|discordapp\.com|wa\.me|"
    r"api\.whatsapp\.com|chat\.whatsapp\.com|roblox\.com|threads\.net|line\.me|twitch\.tv|"
    r"reddit\.com|steamcommunity\.com|linkedin\.com|pinterest\.com|tumblr\.com|linktr\.ee|"
    r"youtube\.com/(?:@|c/|channel/|user/)|onlyfans\.com|weixin\.qq\.com|u\.wechat\.com"
)
_PROFILE_URL = re.compile(
    rf"(?<![\w.@/-])(?:https?://)?(?:www\.|m\.|mobile\.|web\.)?(?:{_PROFILE_HOSTS})"
    r"/?[^\s<>\"'`\]\[)]*",
    re.IGNORECASE,
)


def _link_spans(text: str) -> List[Span]:
    spans = []
    for m in _PROFILE_URL.finditer(text):
        value = m.group(0).rstrip(".,!?;:")
        host_end = re.search(r"\.(?:com|am|me|gg|net|tv|ee|dog)/?", value, re.I)
        path = value[host_end.end() :] if host_end else ""
        if path.strip("/") or "youtube.com/" in value.lower():
            spans.append((m.start(), m.start() + len(value), "link"))
    return spans


def _email_spans(text: str) -> List[Span]:
    _, emails = allowed()
    spans = []
    for pattern in (_EMAIL, _EMAIL_SPOKEN):
        for m in pattern.finditer(text):
            value = m.group(0)
            compact = re.sub(r"\s+", "", value).lower()
            if compact in emails or value.lower() in emails:
                continue
            spans.append((m.start(), m.end(), "email"))
    return spans


# --- handles -------------------------------------------------------------------------------

_AT_HANDLE = re.compile(
    r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,38}[A-Za-z0-9_])?)(?![\w@]|\.\w)"
)
_COMMAND_BEFORE = re.compile(r"/[A-Za-z0-9_]+$")
# Words joined by underscores are usernames (siti_nur, _aiman, xX_dark_Xx); so is a word with
# digits after "follow"/"add" ("follow aiman99").
_UNDERSCORE_NAME = re.compile(r"(?<![\w@./#-])_*[A-Za-z0-9]+(?:_+[A-Za-z0-9]*)+(?![\w@]|\.\w)")
_FOLLOW = re.compile(
    r"(?<![\w])(?:follow|add|search|cari|tambah|ikut)\s+(?:me\s+|aku\s+|saya\s+)?@?"
    r"(?P<name>[A-Za-z][A-Za-z0-9_.]{1,38}[A-Za-z0-9_])(?![\w@]|\.\w)",
    re.IGNORECASE,
)
_HANDLE_KEY = re.compile(
    r"(?<![\w@.])(?:instagram|insta|ig|tiktok|tik\s+tok|tt|twitter|snapchat|snap|sc|discord|dc|"
    r"telegram|tele|tg|facebook|fb|roblox|line\s+id|id\s+line|line|wechat|we\s+chat|weixin|"
    r"kik|threads|youtube|yt|twitch|steam|epic|psn|xbox|gamertag|"
    r"user\s?name|uname|nama\s+pengguna|x)(?![\w])",
    re.IGNORECASE,
)
# Keywords that are ordinary words too: a handle after them needs ":", "=", "@" or "id".
_WEAK_HANDLE_KEYS = frozenset({"x", "line", "tt", "sc", "dc", "tg", "epic", "steam", "yt"})
_HANDLE_LINKERS = frozenset(
    """aku saya sy ak ku i my dia dorang his her their is ialah adalah id name nama username
    user handle acc account akaun kat dekat dkt on at in me add follow cari search pm dm ni tu
    baru new lama old punya aku's main second kedua alt""".split()
)
# What may follow a bare word that is a handle or a password: the end, or a particle.
_ENDING_WORDS = frozenset(
    """je jer jek tau tahu ok okay k lah la kan please pls plz ya yer eh weh bro sis ye
    tq thanks""".split()
)


def _ends_here(text: str, end: int) -> bool:
    after = re.match(r"[ \t]*([\w']+)?", text[end:])
    return not (after and after.group(1)) or after.group(1).lower() in _ENDING_WORDS


_HANDLE_TOKEN = re.compile(
    r"@?([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,38}[A-Za-z0-9_])?(?:#\d{4})?)(?![\w@]|\.\w)"
)


def _handle_spans(text: str) -> List[Span]:
    numbers, _ = allowed()
    spans = []
    for m in _AT_HANDLE.finditer(text):
        name = m.group(1).lower()
        if name.endswith("bot") or _COMMAND_BEFORE.search(text, 0, m.start()):
            continue  # "@JagaBot", "/start@JagaBot": bots and commands are not people
        spans.append((m.start(), m.end(), "handle"))
    for m in _UNDERSCORE_NAME.finditer(text):
        if re.search(r"[A-Za-z]", m.group(0)) and not m.group(0).lower().endswith("bot"):
            spans.append((m.start(), m.end(), "handle"))
    for m in _FOLLOW.finditer(text):
        name = m.group("name")
        if (
            re.search(r"\d", name)
            and re.search(r"[A-Za-z]", name)
            and not name.lower().endswith("bot")
        ):
            spans.append((m.start("name"), m.end("name"), "handle"))
    for m in _HANDLE_KEY.finditer(text):
        key = re.sub(r"\s+", " ", m.group(0).lower())
        found = _after_keyword(text, m.start(), m.end(), key in _WEAK_HANDLE_KEYS)
        if found is None:
            continue
        start, end, value = found
        helpline = not re.search(r"[A-Za-z]", value) and _digits_only(value) in numbers
        if value.lower().endswith("bot") or helpline:
            continue  # "aiman112" is a handle; only a bare helpline number is left alone
        spans.append((start, end, "handle"))
    return spans


def _after_keyword(
    text: str, key_start: int, position: int, weak: bool
) -> Tuple[int, int, str] | None:
    """The handle after a platform word, past linking words ("ig aku: aiman_99").

    A name with digits, "_", "." or "#" is a handle after the platform word; a plain word only
    after ":", "=", "@", "id"/"username", or as the last word after "my ig"/"ig aku" ("ig aku
    aimanhakim"), never in a sentence ("someone on tiktok is sending me...").
    """
    before = text[max(0, key_start - 12) : key_start].lower().split()[-1:]
    sep = named = False
    possessive = bool(before and before[0] in _POSSESSIVE)
    for _ in range(4):
        mark = re.match(r"\s*(?:[:=,]|-(?=\s)|\bis\b|\bialah\b|\badalah\b)\s*", text[position:])
        if mark and mark.group(0).strip():
            sep = sep or bool(re.search(r"[:=]", mark.group(0)))
            position += mark.end()
            continue
        word = re.match(r"\s+([A-Za-z']+)", text[position:])
        if word and word.group(1).lower() in _HANDLE_LINKERS:
            lower = word.group(1).lower()
            named = named or lower in ("id", "username", "handle", "nama", "name")
            possessive = possessive or lower in _POSSESSIVE
            position += word.end()
            continue
        break
    gap = re.match(r"\s*", text[position:])
    position += gap.end() if gap else 0
    m = _HANDLE_TOKEN.match(text, position)
    if not m or m.start() != position:
        return None
    value = m.group(1)
    lower = value.lower()
    at_sign = text[position : position + 1] == "@"
    if _word(value) in _STOP or len(value) < 3 or value.isdigit():
        return None  # a number: the number finders decide
    if _HANDLE_KEY.fullmatch(value) or re.fullmatch(r"\d+[a-z]{1,3}|[a-z]\d{1,2}", lower):
        return None  # "my ig handle in my tiktok bio", "roblox 1pm", "tiktok 3k", "x 2"
    # digits, "_", "." or "#" with three letters or more: "aiman_99", not "rm50", "v1.2", "ps5"
    marked = bool(re.search(r"[\d_.#]", value)) and len(re.findall(r"[A-Za-z]", value)) >= 3
    marked = marked and not re.fullmatch(r"(?:rm|usd|myr|ver|lvl|v)[\d.,]+", lower)
    if at_sign or sep or named:
        return m.start(), m.end(), value
    if re.fullmatch(r"[a-z]{3,}2", lower):
        return None  # "main roblox sama2": a Malay doubled word
    if weak:
        return None
    if marked or (possessive and value.isalpha() and _ends_here(text, m.end())):
        return m.start(), m.end(), value
    return None


_POSSESSIVE = frozenset("aku saya sy ak ku my dia his her their our mine".split())


def _digits_only(value: str) -> str:
    return re.sub(r"\D", "", value)


# --- passwords, PINs, codes -------------------------------------------------------------

_SECRET_KEY = re.compile(
    r"(?<![\w])(?P<key>pass\s?word|passwd|pasword|passward|paswd|pswd|pwd|pw|p/w|kata\s+laluan|"
    r"katalaluan|kata\s+kunci|passcode|pass|pin(?:\s+(?:number|no|nombor))?|otp|tac|"
    r"(?:kod|code)\s+(?:otp|tac|pengesahan|verifikasi|keselamatan|rahsia|login|log\s+masuk)|"
    r"(?:verification|security|login|auth|2fa|one[-\s]time)\s+(?:code|pin|password)|code|kod)"
    r"(?![\w])",
    re.IGNORECASE,
)
_SECRET_QUALIFIERS = frozenset(
    """ig insta instagram fb facebook tiktok tt email emel gmail akaun account acc bank atm kad
    card roblox ml ff mlbb wifi wi-fi phone fon hp telefon laptop pc ipad tablet i-pay aku saya
    sy ak ku i my dia his her their is ialah adalah baru new lama old punya tu ni untuk for was
    yang the dia's aku's kita our login masuk mak ayah ibu bapa abang kakak adik mum mom dad
    parents kawan friend""".split()
)
_SECRET_TOKEN = re.compile(r"[^\s\[\]]{3,64}")
_SPACED_CODE = re.compile(r"\d{3}[ -]\d{3}(?!\d)")
# Keys whose secret is always a number of 4 to 8 digits.
_NUMERIC_KEYS = ("pin", "otp", "tac", "code", "kod")


def _secret_spans(text: str) -> List[Span]:
    spans = []
    for m in _SECRET_KEY.finditer(text):
        key = re.sub(r"\s+", " ", m.group("key").lower())
        position, linked, strong = m.end(), False, False
        for _ in range(5):
            sep = re.match(r"\s*(?:[:=]|-(?=\s)|\bis\b|\bialah\b|\badalah\b)\s*", text[position:])
            if sep and sep.group(0).strip():
                position += sep.end()
                linked = strong = True
                continue
            word = re.match(r"\s+([\w'\-]+)", text[position:])
            if word and word.group(1).lower() in _SECRET_QUALIFIERS:
                position += word.end()
                linked = True
                continue
            break
        gap = re.match(r"\s*", text[position:])
        position += gap.end() if gap else 0
        token = _SPACED_CODE.match(text, position) or _SECRET_TOKEN.match(text, position)
        if not token:
            continue
        value = token.group(0).rstrip(".,!?;:)")
        if not value or _word(value) in _STOP or value.startswith(("[", "/")):
            continue
        if re.fullmatch(r"[a-z]*([a-z]{2,})-\1|[a-z]{3,}2", value.lower()):
            continue  # "bersama-sama", "sama2": Malay doubled words
        if not re.search(r"[A-Za-z0-9]", value):
            continue  # "strong password எப்படி...": a word of another script, not a password
        numeric = key.split()[0] in _NUMERIC_KEYS or key.startswith("pin")
        if key in ("code", "kod") and not linked:
            numeric = True
        if numeric and not re.fullmatch(r"\d{4,8}|\d{3}[ -]\d{3}", value):
            continue
        if key == "pass" and not (linked and re.search(r"[\d\W_]", value)):
            continue  # "pass" is a pass, a boarding pass, passing an exam...
        if not numeric and value.isdigit() and len(value) > 12:
            continue  # a long number: the number finders decide
        if value.isalpha() and not strong and not _ends_here(text, position + len(value)):
            continue  # "password dia panjang gila": a plain word in a sentence
        spans.append((position, position + len(value), "password"))
    return spans


# --- names -----------------------------------------------------------------------------------

_JOINERS = r"(?i:bin|binti|bt\.?|bte\.?|b\.|a/l|a/p|s/o|d/o)"
_CAP = r"[A-Z][A-Za-z'\u2019\-]+"
_LOW = r"[a-z][a-z'\u2019\-]+"
_JOINED_NAME = re.compile(
    rf"(?<![\w/])(?P<first>{_CAP}(?:\s+{_CAP}){{0,3}})\s+(?P<join>{_JOINERS})\s+"
    rf"(?P<last>{_CAP}(?:\s+{_CAP}){{0,3}})"
    # lower case: only the joiners that are never English words
    rf"|(?<![\w/])(?P<lfirst>{_LOW}(?:\s+{_LOW}){{0,2}})\s+(?P<ljoin>binti|bte|a/l|a/p|s/o|d/o)\s+"
    rf"(?P<llast>{_LOW}(?:\s+{_LOW}){{0,2}})"
)
_NAME_CUE = re.compile(
    r"(?<![\w])(?:nama\s+(?:penuh\s+|sebenar\s+)?(?:aku|saya|sy|ak|ku|dia|anak\s+(?:aku|saya))|"
    r"nama\s+penuh|full\s+name|my\s+(?:full\s+|real\s+|actual\s+)?name(?:\s+is|'s|\u2019s)|"
    r"(?:my\s+)?name\s*[:=]|nama\s*[:=]|i\s+am\s+called)"
    r"(?:\s*(?:is|ialah|adalah|:|=|-))?[ \t]*",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"(?:[A-Za-z][A-Za-z'\u2019\-]*|a/l|a/p|s/o|d/o|@)(?![\w/])")
_NAME_JOINER_WORDS = frozenset({"bin", "binti", "bt", "bte", "a/l", "a/p", "s/o", "d/o", "@"})


# Words that end a name even when capitalised ("nama aku Ali Dan aku 12 tahun").
_NAME_BREAK = frozenset(
    """dan and atau or i aku saya sy dia is the from dari umur age tahun years year kelas class
    sekolah school tinggal live lives stay dekat kat di in at my nak want tapi but""".split()
)


def _could_be_name(word: str) -> bool:
    lower = word.lower()
    if len(lower) < 2 or lower in _NAME_BREAK:
        return False
    if lower in _STOP:
        return word[:1].isupper() and word[1:2].islower()  # "Tan Wei Ming"
    # Malay verbs and adjectives ("dipanggil", "tersebar", "berjaya") are not names.
    return word[:1].isupper() or not re.match(r"(?:di|ter|ber|mem|meng|peng)\w{4,}", lower)


def _name_spans(text: str) -> List[Span]:
    spans = []
    for m in _JOINED_NAME.finditer(text):
        first = m.group("first") or m.group("lfirst")
        first_start = m.start("first") if m.group("first") else m.start("lfirst")
        words = first.split()
        # "Nama Ahmad bin Ali", "Saya Siti binti Ali": cue and pronoun words are not the name
        while words and _word(words[0]) in _STOP:
            first_start += len(words[0])
            first_start += len(text[first_start:]) - len(text[first_start:].lstrip())
            words = words[1:]
        last_end = m.end("last") if m.group("last") else m.end("llast")
        last = (m.group("last") or m.group("llast")).split()
        while last and _word(last[-1]) in _STOP:
            last_end = text.rfind(last[-1], 0, last_end)
            last_end = len(text[:last_end].rstrip())
            last = last[:-1]
        if words and last:
            spans.append((first_start, last_end, "name"))
    for m in _NAME_CUE.finditer(text):
        position, end, count = m.end(), None, 0
        while count < 6:
            word = _NAME_WORD.match(text, position)
            if not word:
                break
            lower = word.group(0).lower()
            if lower not in _NAME_JOINER_WORDS and not _could_be_name(word.group(0)):
                break
            count += 1
            end = word.end()
            gap = re.match(r"[ \t]+", text[end:])
            position = end + (gap.end() if gap else 0)
        if end is not None:
            spans.append((m.end(), end, "name"))
    return spans


# --- schools -------------------------------------------------------------------------------

_SCHOOL_HEAD = re.compile(
    r"(?<![\w])(?:"
    r"s(?:r)?jk\s*\(\s*[ct]\s*\)|s(?:r)?jk[ct]|sjk|srjk|smjk|smka|smkaa|smk|sk|skk|sksp|sbp|"
    r"mrsm|sra|srai|sma|smt|smv|sams|kafa|kv|sm\s+sains|"
    r"kolej\s+vokasional|kolej\s+matrikulasi|kolej\s+tingkatan\s+enam|maktab\s+rendah\s+sains\s+mara|"
    r"sek(?:olah)?\.?\s*(?:men(?:engah)?|keb(?:angsaan)?|ren(?:dah)?|agama|sains|seri|sukan|"
    r"tinggi|seni|integrasi|jenis\s+keb(?:angsaan)?)\.?"
    r"(?:\s+(?:keb(?:angsaan)?|agama|sains|teknik|jenis\s+kebangsaan|\((?:c|t|cina|tamil)\)))*"
    r")(?![\w])",
    re.IGNORECASE,
)
# Words that name a school only before a capitalised name: "Kolej Yayasan Saad", "Maahad Tahfiz".
_OTHER_SCHOOL_HEAD = re.compile(
    r"(?<![\w])(?:sekolah|kolej|college|academy|akademi|international\s+school|tahfiz|maahad|"
    r"pondok|tadika|maktab|madrasah|institut)(?![\w])",
    re.IGNORECASE,
)
_SCHOOL_WORD = re.compile(
    r"(?:\((?:[A-Za-z]{1,5}|\d{1,2})\)|[A-Za-z][A-Za-z'\u2019.\-]*|\d{1,2}(?![\d.:/%]))(?![\w])"
)
_SCHOOL_GENERIC = frozenset(
    """rendah menengah kebangsaan agama sains teknik jenis sekolah kolej besar kecil baru lama
    biasa swasta kerajaan harian asrama penuh lelaki perempuan""".split()
)
# School names are made of place words ("Bandar Baru Sentul"): the ordinary words that end one.
_SCHOOL_STOP = (_STOP - {"baru", "lama"}) | frozenset(
    {"tingkatan", "form", "darjah", "standard", "year", "tahun"}
)


def _school_spans(text: str) -> List[Span]:
    spans = []
    for pattern, needs_capital in ((_SCHOOL_HEAD, False), (_OTHER_SCHOOL_HEAD, True)):
        for m in pattern.finditer(text):
            end = _school_name_end(text, m.end(), needs_capital)
            if end is not None:
                spans.append((m.start(), end, "school"))
    return spans


def _school_name_end(text: str, position: int, needs_capital: bool) -> int | None:
    end, words = None, 0
    while words < 5:
        gap = re.match(r"[ \t]*", text[position:])
        start = position + (gap.end() if gap else 0)
        word = _SCHOOL_WORD.match(text, start)
        if not word:
            break
        value = word.group(0)
        if value.isdigit() and not words:
            break  # "SK 2"? a number right after the head is not a name
        if _word(value) in _SCHOOL_STOP:
            break
        if needs_capital and not words and not value[:1].isupper():
            return None
        if needs_capital and not words and _word(value) in _SCHOOL_GENERIC:
            return None
        words += 1
        end = word.end()
        position = end
        if value.isdigit():
            following = re.match(r"[ \t]+([A-Z][A-Za-z]+)", text[end:])
            if not following or _word(following.group(1)) in _SCHOOL_STOP:
                break  # "SMK Seksyen 9 Shah Alam" goes on; "SK 2 orang" does not
    return end


# --- addresses ---------------------------------------------------------------------------

_TOWNS = (
    r"kuala\s+lumpur|kl|selangor|shah\s+alam|petaling\s+jaya|pj|subang(?:\s+jaya)?|klang|"
    r"kajang|cheras|ampang|puchong|seremban|melaka|malacca|johor(?:\s+bahru)?|jb|ipoh|"
    r"pulau\s+pinang|penang|george\s*town|butterworth|bukit\s+mertajam|alor\s+set[ae]r|"
    r"kota\s+bh?aru|kuala\s+terengganu|kuantan|kuching|kota\s+kinabalu|sandakan|tawau|"
    r"miri|sibu|bintulu|putrajaya|cyberjaya|labuan|bangi|rawang|sepang|nilai|muar|"
    r"batu\s+pahat|kluang|segamat|taiping|sungai\s+petani|kulim|langkawi|kangar|perlis|"
    r"kedah|kelantan|terengganu|pahang|perak|sabah|sarawak|negeri\s+sembilan|gombak|"
    r"selayang|setapak|wangsa\s+maju|bukit\s+jalil|seri\s+kembangan|serdang|semenyih|banting|"
    r"kuala\s+selangor|lahad\s+datu|temerloh|bentong|kemaman|dungun|teluk\s+intan|"
    r"sungai\s+buloh|damansara|kepong|batu\s+caves|kota\s+damansara|port\s+dickson|"
    r"skudai|pasir\s+gudang|tangkak|pontian|kota\s+tinggi|manjung|lumut|kampar|"
    r"raub|jerantut|machang|tanah\s+merah|pasir\s+mas|marang|keningau|ranau|kudat|"
    r"semporna|limbang|sri\s+aman|kapit|mukah|sarikei|batu\s+gajah|gua\s+musang"
)
_POSTCODE = r"(?:0[1-9]|[1-9]\d)\d{3}"
_STRONG_ADDRESS = re.compile(
    # a postcode before a town: 47300 Petaling Jaya
    rf"(?<![\w.])(?P<a>{_POSTCODE}\s*,?\s+(?:{_TOWNS})\b(?:\s*,?\s*(?:{_TOWNS})\b)?)"
    rf"|(?<![\w])(?:poskod|postcode|post\s+code|postal\s+code|zip(?:\s*code)?)\s*[:=]?\s*"
    rf"(?P<b>{_POSTCODE})\b"
    # unit numbers: A-3-5, B-12-03, C3-5-2; "unit 3-5-2", "no 3-5-2"
    r"|(?<![\w-])(?P<c>(?-i:[A-Z]{1,2})\d{0,2}-\d{1,3}-\d{1,3}[A-Za-z]?)(?![\w-])"
    r"|(?<![\w])(?:unit|apt)\s*[:#]?\s*(?P<d>\d{1,3}-\d{1,3}(?:-\d{1,3})?[A-Za-z]?)(?![\w-])"
    r"|(?<![\w])(?:no\.?|nombor)\s*[:#]?\s*(?P<e>\d{1,3}-\d{1,3}-\d{1,3}[A-Za-z]?)(?![\w-])"
    # "blok C", "block B2", "blk 5"
    r"|(?<![\w])(?P<f>(?:blok|blk)\s+(?:[A-Za-z]?\d{1,3}[A-Za-z]?|[A-Za-z])(?:-\d{1,3}){0,3})(?![\w-])"
    r"|(?<![\w])(?P<g>block\s+(?-i:[A-Z])\d{0,2})(?![\w-])"
    # "rumah aku no 12", "house no. 5", "lot 123": the number, not the words before it
    r"|(?<![\w])(?:rumah|house|home|unit)\s+(?:(?:aku|saya|kami|dia|my|our|his|her)\s+)?"
    r"(?P<h>(?:no\.?|nombor|number|#)\s*\d{1,5}[A-Za-z]?)(?![\w-])"
    r"|(?<![\w])(?P<i>lot\s*\d{1,5}[A-Za-z]?)(?![\w-])"
    # "lorong 3", "lrg 5", "jln 2/3", "jalan ss2/24"
    r"|(?<![\w])(?P<j>(?:lorong|lrg|jln|jalan|persiaran|psrn)\s+(?:[A-Za-z]+\s+){0,2}"
    r"[A-Za-z]{0,3}\d{1,3}[A-Za-z]?(?:/\d{1,3}[A-Za-z]?)+)(?![\w/])"
    r"|(?<![\w])(?P<k>(?:lorong|lrg)\s+(?:[A-Za-z]+\s+){0,2}\d{1,3}[A-Za-z]?)(?![\w.:%-])",
    re.IGNORECASE,
)
# Parts of an address that count only next to one: "tingkat 5", "Bandar Baru Bangi".
_WEAK_ADDRESS = re.compile(
    r"(?<![\w])(?:tingkat|tkt|aras|floor|level)\s*\d{1,2}(?![\w])"
    rf"|(?<![\w])(?:{_TOWNS})(?![\w])",
    re.IGNORECASE,
)


def _strong_address_spans(text: str) -> List[Span]:
    spans = [(m.start(), m.end(), "weak") for m in _WEAK_ADDRESS.finditer(text)]
    for m in _STRONG_ADDRESS.finditer(text):
        group = next(name for name, value in m.groupdict().items() if value is not None)
        spans.append((m.start(group), m.end(group), "address"))
    return spans


# --- the allow-list ------------------------------------------------------------------------

_ALLOW_LOCK = threading.Lock()
_ALLOWED: Tuple[Set[str], Set[str]] | None = None


def _digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("60") and len(digits) >= 10:
        digits = digits[1:]  # +60 12... -> 012...
    return digits


def allowed() -> Tuple[Set[str], Set[str]]:
    """(public phone numbers as digits, public e-mail addresses), loaded once."""
    global _ALLOWED
    if _ALLOWED is None:
        with _ALLOW_LOCK:
            if _ALLOWED is None:
                numbers, emails = {_digits(n) for n in HELPLINES}, set()
                for path in (REFERRALS_FILE, KNOWLEDGE_FILE):
                    try:
                        import yaml

                        data = yaml.safe_load(path.read_text(encoding="utf-8"))
                    except Exception:  # noqa: BLE001 - the built-in list still applies
                        continue
                    for value in _strings(data):
                        for m in _EMAIL.finditer(value):
                            emails.add(m.group(0).lower())
                        if re.fullmatch(r"[\d +().\-]{3,20}", value.strip()):
                            numbers.add(_digits(value))
                _ALLOWED = (numbers, emails)
    return _ALLOWED


def _strings(data: Any) -> Iterable[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


# --- the spaCy part: addresses written with street words --------------------------------------

# Words after "jalan"/"taman" that make it an ordinary word ("jalan kaki", "taman permainan").
_GENERIC_AFTER = set(
    """
    kaki jalan raya jem sesak besar kecil utama sini situ sana tu ni dulu-dulu dulu2 sikit je
    permainan bunga tema awam rekreasi negara haiwan burung rama belakang depan sebelah
    """.split()
)
_STREET_WORDS = [
    "jalan", "jln", "jl", "lorong", "lrg", "taman", "tmn", "persiaran", "psrn", "lebuh",
    "lebuhraya", "kampung", "kg", "kpg", "kampong", "desa", "pangsapuri", "apartment",
    "apartments", "flat", "residensi", "kondominium", "condominium", "condo", "seksyen",
    "section", "presint", "precinct", "bandar", "street", "road", "avenue", "lane",
]  # fmt: skip
_SECTION_WORDS = frozenset({"seksyen", "section", "presint", "precinct"})
_PLACE_CUES = {
    "tinggal", "duduk", "rumah", "rmh", "alamat", "address", "live", "lives", "living", "stay",
    "stays", "staying", "house", "home", "pindah", "moved", "menetap",
}  # fmt: skip
_ADDRESS_STOP = set(
    """
    a an and are at be but by for from go going he her his i in is it its me my near next of on
    or our she so that the their them then there they this to too was we went were will with
    you your yang dan di ke dari kat dekat dkt dgn dengan untuk utk pada pergi balik tu ni itu
    ini la lah je jer pun tak x aku saya sy dia kami kita kau ko nak dah sebab tapi atau kalau
    bila masa sekarang skrg nanti esok semalam rumah sekolah kelas tadi ada macam mcm tinggal
    duduk area kawasan berdekatan belakang depan sebelah near, nearby behind opposite beside
    him hari jam minit minute minutes hour hours km meter
    """.split()
)

_NLP_LOCK = threading.Lock()
_NLP: Any = None
_MATCHER: Any = None
_SPACY_STATE = {"failed": False, "logged": False}


def _import_spacy() -> Tuple[Any, Any]:
    """spaCy without TensorFlow, unless this process has loaded TensorFlow already.

    spaCy's maths library (thinc) imports TensorFlow when it is installed, which costs a
    front end that talks to a Rasa server 3.5 s and hundreds of MB for nothing: a blank
    pipeline never uses it. In the Rasa process TensorFlow is loaded anyway.
    """
    import sys

    previous = sys.modules.get("tensorflow")
    real_tf = previous is not None and not str(getattr(previous, "__version__", "")).endswith(
        "blocked"  # the TF guard's stand-in, which thinc must not mistake for TensorFlow
    )
    if "spacy" in sys.modules or real_tf:
        import spacy
        from spacy.matcher import Matcher

        return spacy, Matcher
    # None in sys.modules makes `import tensorflow` fail fast
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy
        from spacy.matcher import Matcher
    finally:
        if previous is None:
            del sys.modules["tensorflow"]  # a later real import of TensorFlow still works
        else:
            sys.modules["tensorflow"] = previous
    return spacy, Matcher


def _pipeline() -> Tuple[Any, Any]:
    """The blank spaCy pipeline and its Matcher, created on first use."""
    global _NLP, _MATCHER
    if _NLP is None:
        with _NLP_LOCK:
            if _NLP is None:
                spacy, Matcher = _import_spacy()
                nlp = spacy.blank("xx")
                matcher = Matcher(nlp.vocab)
                name = {
                    "LOWER": {"NOT_IN": sorted(_ADDRESS_STOP)},
                    "IS_PUNCT": False,
                    "IS_SPACE": False,
                }
                optional = dict(name, OP="?")
                number = {"LIKE_NUM": True}
                code = {"TEXT": {"REGEX": r"^[A-Za-z]{0,3}\d[\w/\-]*$"}}
                street = {"LOWER": {"IN": _STREET_WORDS}}
                prefix = {"LOWER": {"IN": ["no", "no.", "lot", "unit", "nombor", "number", "#"]}}
                rest = [name, optional, optional, optional, dict(code, OP="?")]
                matcher.add(
                    "address",
                    [
                        [street] + rest,
                        [prefix, {"ORTH": ".", "OP": "?"}, code, {"ORTH": ",", "OP": "?"}, street]
                        + rest,
                        [prefix, {"ORTH": ".", "OP": "?"}, number, {"ORTH": ",", "OP": "?"}, street]
                        + rest,
                        [code, {"ORTH": ",", "OP": "?"}, street] + rest,
                    ],
                )
                _MATCHER = matcher
                _NLP = nlp
    return _NLP, _MATCHER


def _street_spans(text: str) -> List[Span]:
    """Street addresses: "address" spans, and "weak" ones that count only beside an address."""
    _import_spacy()  # without TensorFlow where possible
    nlp, matcher = _pipeline()
    lowered = text.lower()
    if not any(word in lowered for word in _STREET_WORDS):
        # Every pattern needs a token whose lower case is a street word, and a token's lower
        # case is part of the text's (lower-casing goes letter by letter but for a final
        # Greek sigma, never in these ASCII words): no street word, no match. Most messages
        # have none; they skip spaCy's tokenizer and matcher.
        return []
    return _spacy_street_spans(nlp, matcher, text)


def _spacy_street_spans(nlp: Any, matcher: Any, text: str) -> List[Span]:
    doc = nlp.make_doc(text)
    spans = []
    for _match_id, start, end in matcher(doc):
        span = doc[start:end]
        while len(span) > 1 and (span[-1].is_punct or span[-1].lower_ in _ADDRESS_STOP):
            span = doc[span.start : span.end - 1]
        verdict = _address_verdict(doc, span)
        if verdict is None:
            continue
        char_span = doc.char_span(span.start_char, span.end_char, label=verdict)
        if char_span is not None:
            spans.append(char_span)
    return [(s.start_char, s.end_char, s.label_) for s in spans]  # overlaps: see _merge


def _address_verdict(doc: Any, span: Any) -> str | None:
    """`jalan`/`taman` are everyday words: only a name, a number or a place cue makes an
    address ("address"); a bare "taman melati" is "weak", an address only beside another."""
    tokens = list(span)
    street_at = next((i for i, t in enumerate(tokens) if t.lower_ in _STREET_WORDS), None)
    if street_at is None or street_at + 1 >= len(tokens):
        return None
    after = tokens[street_at + 1]
    if tokens[street_at].lower_ == "kg" and street_at > 0 and tokens[street_at - 1].like_num:
        return None  # "20 kg": kilograms, not a kampung
    before = {t.lower_ for t in doc[max(span.start - 4, 0) : span.start]}
    if tokens[street_at].lower_ in _SECTION_WORDS:
        # "seksyen 11" of an Act; "rumah aku kat seksyen 7" is a place
        return "address" if before & _PLACE_CUES else "weak"
    if street_at > 0:
        return "address"  # "No. 12, Jalan ..." or "12 Jalan ..."
    if after.lower_ in _GENERIC_AFTER:
        return None
    if any(any(c.isdigit() for c in t.text) for t in tokens[street_at + 1 :]):
        following = doc[span.end : span.end + 1]
        if following and following[0].lower_ in ("jam", "minit", "km", "hour", "hours", "min"):
            return None  # "jalan kaki 2 jam"
        return "address"
    if after.text[:1].isupper() and not after.is_sent_start:
        return "address"
    if tokens[street_at].text[:1].isupper() and after.text[:1].isupper():
        return "address"
    return "address" if before & _PLACE_CUES else "weak"


def _safe_street_spans(text: str) -> List[Span]:
    if _SPACY_STATE["failed"]:
        return []
    try:
        return _street_spans(text)
    except Exception as error:  # noqa: BLE001 - the patterns must keep working without spaCy
        if _NLP is None:  # spaCy could not be loaded: not tried again for every message
            _SPACY_STATE["failed"] = True
        _log_spacy(error)
        return []


def _log_spacy(error: Exception) -> None:
    if not _SPACY_STATE["logged"]:
        _SPACY_STATE["logged"] = True
        # Never the message: it might quote the text.
        logger.warning(
            "PII redaction: spaCy failed (%s); street addresses are now found by patterns only",
            type(error).__name__,
        )


# --- redaction ----------------------------------------------------------------------------

_FINDERS: Tuple[Callable[[str], List[Span]], ...] = (
    _number_spans,
    _email_spans,
    _link_spans,
    _handle_spans,
    _secret_spans,
    _name_spans,
    _school_spans,
    _strong_address_spans,
    _safe_street_spans,
)


def _merge(spans: List[Span], text: str = "") -> List[Span]:
    """Non-overlapping spans; on overlap the earlier-starting, then longer, then first kind wins.

    Address pieces next to each other ("No 5, Jalan Besar, Taman Melati, 47300 Kajang") become
    one; a weak candidate ("taman melati", "tingkat 5") counts only next to an address.
    """
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    spans = sorted(
        _yield_to_whole(spans, text), key=lambda s: (s[0], -(s[1] - s[0]), rank.get(s[2], 99))
    )
    merged: List[Span] = []
    for start, end, kind in spans:
        if merged:
            last_start, last_end, last_kind = merged[-1]
            if {last_kind, kind} <= _ADDRESS_KINDS and (
                start < last_end or _JOINER.fullmatch(text, last_end, start)
            ):
                both = "address" if "address" in (last_kind, kind) else "weak"
                merged[-1] = (last_start, max(last_end, end), both)
                continue
            if start < last_end:
                if end > last_end and kind == last_kind:
                    merged[-1] = (last_start, end, kind)
                continue
        merged.append((start, end, kind))
    return _join_addresses([s for s in merged if s[2] != "weak"], text)


_ADDRESS_KINDS = frozenset({"address", "weak"})
_WHOLE_KINDS = frozenset({"email", "link"})
_SELF_CONTAINED = _WHOLE_KINDS | {"handle", "password"}


def _yield_to_whole(spans: List[Span], text: str) -> List[Span]:
    """An e-mail address or a link is one thing: another span reaching into it stops before it
    ("0123456789 , o0@gmail.com"), and one inside it is dropped."""
    wholes = [s for s in spans if s[2] in _WHOLE_KINDS]
    if not wholes:
        return spans
    result = []
    for start, end, kind in spans:
        if kind not in _WHOLE_KINDS:
            for w_start, w_end, _ in wholes:
                if start < w_end and w_start < end:
                    if start >= w_start:
                        break
                    end = len(text[:w_start].rstrip(" ,;-"))
            else:
                if end > start:
                    result.append((start, end, kind))
                continue
            continue
        result.append((start, end, kind))
    return result


_JOINER = re.compile(r"[\s,]*")
# Between two parts of one address: "..., Taman Bunga Raya, ..."
_ADDRESS_GAP = re.compile(
    r"[\s,]*(?:" + "|".join(_STREET_WORDS) + r")\b[^,.;!?\n\[\]]{0,40}?[\s,]*",
    re.IGNORECASE,
)


def _join_addresses(spans: List[Span], text: str) -> List[Span]:
    joined: List[Span] = []
    for span in spans:
        if (
            joined
            and joined[-1][2] == span[2] == "address"
            and _ADDRESS_GAP.fullmatch(text, joined[-1][1], span[0])
        ):
            joined[-1] = (joined[-1][0], span[1], "address")
        else:
            joined.append(span)
    return joined


def _apply(text: str, spans: List[Span]) -> Redaction:
    out, kinds, position = [], [], 0
    for start, end, kind in spans:
        out.append(text[position:start])
        out.append(PLACEHOLDERS[kind])
        if kind not in kinds:
            kinds.append(kind)
        position = end
    out.append(text[position:])
    return Redaction("".join(out), kinds)


def _as_text(text: Any) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    # lone surrogates cannot be encoded later on; replace them
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    return text[:MAX_CHARS]


def _without_public_numbers(spans: List[Span]) -> List[Span]:
    """No number or address that touches a public helpline is redacted ("nombor 1-800-18-2327");
    links, e-mail addresses, handles and codes are found by their own words ("otp 15555")."""
    public = [s for s in spans if s[2] == "allowed"]
    return [
        s
        for s in spans
        if s[2] != "allowed"
        and (s[2] in _SELF_CONTAINED or not any(a < s[1] and s[0] < b for a, b, _ in public))
    ]


def _not_in_placeholder(text: str, spans: List[Span]) -> List[Span]:
    """A finder never redacts part of a placeholder left by an earlier pass."""
    holes = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
    if not holes:
        return spans
    return [s for s in spans if not any(a < s[1] and s[0] < b for a, b in holes)]


_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
_FAILED_FINDERS: Set[str] = set()


def redact(text: Any) -> Redaction:
    """Replace PII in `text` with placeholders such as [phone]; never raises."""
    try:
        text = _as_text(text)
    except Exception:  # noqa: BLE001
        return Redaction("", [])
    if not text:
        return Redaction(text, [])
    spans: List[Span] = []
    for finder in _FINDERS:
        try:
            spans.extend(finder(text))
        except Exception as error:  # noqa: BLE001 - one failing finder must not stop the others
            if finder.__name__ not in _FAILED_FINDERS:
                _FAILED_FINDERS.add(finder.__name__)
                logger.error("PII finder %s failed (%s)", finder.__name__, type(error).__name__)
            continue
    try:
        spans = _without_public_numbers(_not_in_placeholder(text, spans))
        return _apply(text, _merge(spans, text))
    except Exception:  # noqa: BLE001
        return Redaction(text, [])


Redactor = Callable[[str], Redaction]
