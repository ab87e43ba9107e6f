"""Rasa component: which language the user writes in, and which one they ask for.

Malaysian children mix English and Malay in one line, so the detector scores both and
only speaks up when one clearly leads; otherwise it sets nothing and the `lang` slot keeps
the user's language. For `change_language` it reports the language asked for instead.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

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


def detect_language(text: str) -> Optional[str]:
    """`en` or `ms` when one language clearly leads, otherwise None (keep the current one)."""
    tokens = words(text)
    malay = sum(2 for t in tokens if t in MALAY_STRONG)
    english = sum(2 for t in tokens if t in ENGLISH_STRONG)
    if malay >= MIN_LEAD and malay > english:
        return "ms"
    if english >= MIN_LEAD and english > malay:
        return "en"
    return None


def requested_language(text: str) -> Optional[str]:
    """The language a `change_language` message asks for, if it names one."""
    tokens = set(words(text))
    if tokens & ASK_ENGLISH:
        return "en"  # "bahasa inggeris" names English, not Malay
    if tokens & ASK_MALAY:
        return "ms"
    return None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class LanguageDetector(GraphComponent):
    """Adds a `lang` entity (en/ms) that fills the `lang` slot."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = message.get(ENTITIES) or []
            if any(e.get("entity") == "lang" for e in entities):
                continue  # a button already said which language
            intent = (message.get(INTENT) or {}).get("name")
            if intent == "change_language":
                lang = requested_language(text)
            else:
                lang = detect_language(text)
            if lang:
                entities = entities + [
                    {
                        "entity": "lang",
                        "value": lang,
                        "start": 0,
                        "end": len(text),
                        "confidence_entity": 1.0,
                        "extractor": "LanguageDetector",
                    }
                ]
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
