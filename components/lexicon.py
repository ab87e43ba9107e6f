"""Which language a message is written in, and which one a user asks for.

Malaysian children mix English and Malay in one line, so both are scored and a language is
named only when one clearly leads; otherwise the caller keeps the user's current language.
Pure Python (no Rasa import), so data checks and front ends can use it cheaply.
"""

from __future__ import annotations

import re

from components.text import words

# Words that only Malay writers use (standard and chat forms). Weight 2: one is enough.
MALAY_STRONG = set(
    """
    nak nk tak tk x taknak xnak aku saya sy sye dia die dorang diorang korang kau ko hang awak
    kamu kami kita mereka apa ape macam mcm camne cmne cmana mcmana bagaimana kenapa knp
    napa mengapa sebab sbb dengan dgn dekat dkt kat je jer jek aje sahaja saja pun jugak
    juga boleh blh bleh tolong tlg gambar gmbr ugut ugutan sebar sebarkan kena buli kawan
    kwn mak emak ayah abah ibu bapa anak cikgu sekolah takut tahu tau taw faham betul tidak
    bukan ada takde tiada xde orang org dah sudah belum blm lagi kalau kalu klau kalo rumah
    datang depan sekarang skrg skang nanti esok semalam hari bunuh mati diri hidup penat
    sedih malu rahsia rahsiakan jangan jgn suruh pakcik makcik abang kakak adik budak
    kanak remaja umur tahun darjah tingkatan siapa sape bila berapa perlu mahu mau pergi
    balik dalam untuk utk daripada kepada yang yg dan atau tapi tetapi sangat sgt itu ini
    sebelum selepas lepas pastu masa kerana supaya cakap ckp tanya kata kate tipu marah
    salah terima kasih jumpa salam assalamualaikum waalaikumsalam tukar bahasa melayu
    padam mesej laporan lapor aduan polis talian bantuan selamat keselamatan nombor hubungi
    beritahu bagitau bgtau kongsi duit bayar hantar minta mintak bogel lucah peras pemerasan
    kandungan siber cara macamana bagi bg dapat dpt ke ni tu la lah weh wei mcmne camana
    nape ape2 tengok tgk buat wat2 baca simpan dapat tak2 sila sikit banyak byk
    ambo kawe gapo nok jupo hok dio sokmo mung tokse awok ning gok koi kome deme cek depa
    satgi habaq hampa ekau sia bilang ndak pigi kamurang kamek kitak sik maok agik polah
    sidak madah
    mana jual beli kedai harga murah mahal makan minum tidur cari guna pakai baru besar kecil
    semua setiap hujan panas sejuk jalan kereta duduk tinggal naik turun masuk keluar buka
    tutup beri ambil ambik bawa bawak suka sayang rindu kenal ingat lupa sakit ubat pukul
    malam pagi petang minggu bulan kelas cuti kerja tali pengakap baju kasut
    """.split()
    # then Kelantan, Terengganu, Perak, the north, Negeri Sembilan, Sabah and Sarawak words;
    # the last lines: everyday Malay words (shopping, school, home) that are not English words
)
# Words that only English writers use. Weight 2.
ENGLISH_STRONG = set(
    """
    i im i'm me my mine you your youre you're u ur is are was were the an and but what
    whats what's wat how hw why who whom where when can could do does did dont don't
    doesnt didnt not yes please pls plz help want wanna need he she they them his her
    someone somebody to of in on at for with from this that it if will would should have
    has had been be get got send sent photo photos pic pics picture pictures nudes nude
    money pay report delete thanks thank good okay know tell told said says say keep
    secret meet scared safe online friend friends mom mum dad parents child kid kids son
    daughter school teacher now today tomorrow tonight speak english language talk about
    there here am feel kill die life live anymore threat threatens threatened threatening
    post share posted shared going gonna wants asked asks make made him anyone something
    stop happened happen guy girl boy man woman account group chat chats my
    """.split()
)
# Words that say which language the user asks for in `change_language`.
ASK_MALAY = {"malay", "melayu", "bm", "malaysia", "bahasa"}
ASK_ENGLISH = {"english", "inggeris", "eng", "bi", "englis", "inggris"}
ASK_CHINESE = {"chinese", "mandarin", "cina", "华语", "中文", "华文", "國語", "中文字"}
ASK_TAMIL = {"tamil", "தமிழ்", "thamizh", "tamizh"}

MIN_LEAD = 2  # one strong word

# Romanised Tamil ("Tanglish") as Malaysian Indian children type it. Two words are enough.
TAMIL_ROMAN = set(
    """
    enna enaku enakku unakku unaku panrathu panradhu panren panna pannanum pannunga pannu
    romba rombha irukku iruku irukken irukkan irukka illa illai vendam venam venum vendum
    sollu solla sonna theriyala teriyala theriyale bayama bayam bayamaa eppadi epdi enga inga
    yen saaga saganum saavanum kashtam kashtama kastama thaniya kolla kolluven mirattu
    miratturan mirattura veetla veettula veedu paiyan ponnu thambi thangachi akka anna amma
    appa naan nee avan aval avanga ennai unnai ennoda unnoda ippo ippa nalla konjam mudiyala
    mudiyathu pesa pesanum paaru paakanum kudu kuduthan anuppu anuppuna vanakkam nandri
    vazha vaazha pidikala pidikkala pudikala theriyuma venaam podhum pogalam vaanga
    """.split()
)
# Letters by script: Han (Chinese) and Tamil are read; other scripts Jaga cannot read yet.
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_HAN = HAN_RANGES
_TAMIL = ((0x0B80, 0x0BFF),)
UNREADABLE = "other"  # what `script_language` returns for a script Jaga cannot read


def _char_class(ranges: tuple) -> str:
    return "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


# Counted with regular expressions, not character by character in Python (about 10x faster
# on a reply's worth of text; every character is counted exactly as before).
_HAN_CHAR = re.compile(f"[{_char_class(_HAN)}]")
_TAMIL_CHAR = re.compile(f"[{_char_class(_TAMIL)}]")
_READ_SCRIPTS = re.compile(f"[{_char_class(_HAN + _TAMIL)}]+")
_ASCII_LETTER = re.compile("[A-Za-z]")  # the ASCII characters for which isalpha() holds
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")


def script_counts(text: str) -> tuple[int, int, int, int]:
    """How many characters of `text` are Chinese, Tamil, Latin letters (ASCII and the accented
    Latin blocks) and letters of any other script."""
    han = len(_HAN_CHAR.findall(text))
    tamil = len(_TAMIL_CHAR.findall(text))
    rest = _READ_SCRIPTS.sub("", text)  # the other characters: letters of other scripts?
    latin = len(_ASCII_LETTER.findall(rest))
    other = 0
    for ch in _ASCII_RUN.sub("", rest):
        if ch.isalpha():
            if "\u00c0" <= ch <= "\u024f":
                latin += 1
            else:
                other += 1
    return han, tamil, latin, other


def script_language(text: str) -> str | None:
    """`zh` or `ta` when Chinese characters or Tamil script lead the message, `other` when most
    letters are in a script Jaga cannot read (Arabic, Thai, Korean...), else None."""
    if not text or text.isascii():
        return None  # Latin letters only (or none): no script to tell
    han, tamil, latin, other = script_counts(text)
    letters = han + tamil + latin + other
    if not letters:
        return None
    # A Chinese character carries a word: two of them outweigh a few Latin letters.
    if han >= 2 and han * 3 >= latin:
        return "zh"
    if tamil >= 2 and tamil * 2 >= latin:
        return "ta"
    if other >= 2 and other * 2 > letters:
        return UNREADABLE
    return None


def detect_language(text: str) -> str | None:
    """`en`, `ms`, `zh` or `ta` when one language clearly leads, otherwise None (keep the
    current one). A script Jaga cannot read also gives None (see `script_language`)."""
    script = script_language(text)
    if script in ("zh", "ta"):
        return script
    if script == UNREADABLE:
        return None
    tokens = words(text)
    if sum(1 for t in tokens if t in TAMIL_ROMAN) >= 2:
        return "ta"
    malay = sum(2 for t in tokens if t in MALAY_STRONG)
    english = sum(2 for t in tokens if t in ENGLISH_STRONG)
    if malay >= MIN_LEAD and malay > english:
        return "ms"
    if english >= MIN_LEAD and english > malay:
        return "en"
    return None


def requested_language(text: str) -> str | None:
    """The language a `change_language` message asks for, if it names one."""
    tokens = set(words(text))
    lowered = (text or "").lower()
    if tokens & ASK_TAMIL or any(w in lowered for w in ASK_TAMIL if not w.isascii()):
        return "ta"
    if tokens & ASK_CHINESE or any(w in lowered for w in ASK_CHINESE if not w.isascii()):
        return "zh"
    if tokens & ASK_ENGLISH:
        return "en"  # "bahasa inggeris" names English, not Malay
    if tokens & ASK_MALAY:
        return "ms"
    return None
