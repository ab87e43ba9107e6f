"""Which language a message is written in, and which one a user asks for.

Malaysian children mix English and Malay in one line, so both are scored and a language is
named only when one clearly leads; otherwise the caller keeps the user's current language.
Pure Python (no Rasa import), so data checks and front ends can use it cheaply.
"""

from __future__ import annotations

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
    """.split()
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

MIN_LEAD = 2  # one strong word


def detect_language(text: str) -> str | None:
    """`en` or `ms` when one language clearly leads, otherwise None (keep the current one)."""
    tokens = words(text)
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
    if tokens & ASK_ENGLISH:
        return "en"  # "bahasa inggeris" names English, not Malay
    if tokens & ASK_MALAY:
        return "ms"
    return None
