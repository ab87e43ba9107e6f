"""Finer answers within an intent: the `topic` a button names, or one read from the words.

A button sends its topic as an entity (`/ask_cyberbullying{"topic":"doxxing"}`), so no new
intent is needed for "someone made a fake account of me" or "I already paid". A typed message
has no topic entity; `topic_of` then looks for a few plain words in English and Malay, so
"dia buat akaun palsu guna nama aku" still gets the fake-account answer after the general one.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

# Words that name a topic, by the intent's action. Checked in order: the first match wins.
_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "sextortion": (
        (
            "paid",
            # "I paid", "already paid", "dah bayar": not "unless I pay" (a demand, not a payment)
            r"\b(?:i|i've|i have|saya|aku)\s+(?:already\s+|dah\s+|sudah\s+)?(?:paid|membayar)\b"
            r"|\b(?:already|dah|sudah|telah)\s+(?:paid|pay|bayar|transfer)\b"
            r"|\bpaid (?:him|her|them)\b",
        ),
        (
            "video_call",
            r"\bvideo ?call\b|\bvc\b|\blive ?stream|\bsiaran langsung\b|\bpanggilan video\b"
            r"|\bon (?:cam|camera)\b",
        ),
        (
            "payment",
            r"\bgift ?cards?\b|\bkad hadiah\b|\be-?wallet\b|\btouch ?n ?go\b|\btng\b"
            r"|\bgame credits?\b|\bdiamonds?\b|\brobux\b|\bkredit game\b|\btopup\b|\btop up\b",
        ),
        (
            "peer",
            r"\b(?:my )?ex\b|\bex-?(?:boyfriend|girlfriend|bf|gf)\b|\bbekas (?:kekasih|teman)"
            r"|\bclassmate|\bschoolmate|\bkawan (?:sekelas|sekolah)\b|\brakan sekelas\b"
            r"|\bsomeone (?:i|we) know\b|\borang (?:yang )?(?:aku|saya) kenal\b",
        ),
    ),
    "image_removal": (
        (
            "deepfake",
            r"\bdeep ?fakes?\b|\bai\b|\bedit(?:ed)?\b|\bphotoshop|\bfake (?:nude|photo|picture)"
            r"|\bgambar (?:palsu|edit)|\bdiedit\b|\bbogel palsu\b",
        ),
    ),
    "abuse_content": (
        (
            "i_shared",
            r"\b(?:i|i've|i have)\s+(?:already\s+)?(?:sent|shared|forwarded|posted)\b"
            r"|\b(?:aku|saya)\s+(?:dah |sudah |ter)?(?:hantar|share|kongsi|forward|sebar)",
        ),
    ),
    "law": (
        ("deepfake", r"\bdeep ?fakes?\b|\bai\b|\bedit(?:ed)?\b|\bgambar (?:palsu|edit)"),
        ("bullying", r"\bbull(?:y|ying|ied)\b|\bbuli\b|\bdox|\bharass|\bgangguan\b"),
    ),
    "grooming": (
        (
            "games",
            r"\bgames?\b|\bgaming\b|\broblox\b|\brobux\b|\bminecraft\b|\bmobile legends?\b"
            r"|\bfree ?fire\b|\bpubg\b|\bdiamonds?\b|\bskins?\b|\bdalam game\b",
        ),
    ),
    "report": (
        ("telegram", r"\btelegram\b|\btele\b"),
        (
            "after",
            r"\bafter (?:i|we) report|\bwhat happens (?:if|when|after)\b|\bapa (?:jadi|berlaku)"
            r"\s+(?:lepas|selepas|kalau)\b",
        ),
    ),
    "guidance": (  # a teacher writing (ask_parent_guidance)
        (
            # the age for an account, asked on the parents' or teachers' path: the age rule
            "age_rule",
            r"(?=.*\b(?:age|ages|how old|umur|berumur|usia|berapa tahun)\b)"
            r"(?=.*\b(?:tiktok|instagram|ig|facebook|fb|snapchat|social media|media sosial"
            r"|youtube|discord|account|accounts|akaun)\b)",
        ),
        (
            "duty",
            r"(?=.*\b(?:teacher|cikgu|guru)\b)(?=.*\b(?:duty|must|have to|wajib|kewajipan)\b)",
        ),
        (
            "pupil_discloses",
            r"(?=.*\b(?:pupil|student|murid|pelajar)s?\b)"
            r"(?=.*\b(?:told me|disclosed|tells me|beritahu|mengadu|cerita)\b)",
        ),
        (
            "teacher",
            r"\b(?:i'?m|i am|as) a teacher\b|\b(?:saya|aku)(?: seorang)? (?:cikgu|guru)\b"
            r"|\bsebagai (?:cikgu|guru)\b|\bclassroom\b|\bbilik darjah\b",
        ),  # a parent asking one of the parents' path's own questions in words
        (
            "first_hour",
            r"\b(?:my|anak)\b.{0,40}\b(?:just )?(?:told me|has told me|beritahu saya|mengadu)\b",
        ),
        (
            "warning_signs",
            r"\b(?:warning )?signs?\b|\bhow (?:do|can|would|will) i (?:know|tell)\b"
            r"|\btanda(?:-tanda)?\b|\b(?:macam mana|bagaimana|cara)(?: nak| untuk)? tahu\b",
        ),
        (
            "how_to_talk",
            r"\b(?:talk|speak)(?:ing)? (?:to|with) (?:my )?(?:child|kid|son|daughter|children)"
            r"|\b(?:cakap|bercakap|bincang|berbincang|bersembang) dengan anak\b",
        ),
    ),
    "cyberbullying": (
        (
            "i_bullied",
            # Active voice only: "i was bullied a lot" is the child being bullied.
            r"\b(?:i|i've|i have|i had)\s+(?:bullied|been bullying|was bullying|bully)\s+"
            r"(?:someone|him|her|them|a|my|this|that|other|people|kids?)\b"
            r"|\bi was the (?:bully|one (?:who|that) (?:bullied|was bullying))\b"
            r"|\b(?:aku|saya)\s+(?:yang\s+)?(?:buli|membuli)\b",
        ),
        (
            "fake_account",
            r"\bfake (?:account|profile)|\bimpersonat|\bpretend(?:ing)? to be me\b"
            r"|\bakaun palsu\b|\bmenyamar (?:jadi|sebagai) (?:aku|saya)\b"
            r"|\bguna nama (?:aku|saya)\b",
        ),
        (
            "doxxing",
            r"\bdox|\b(?:posted|shared|leaked) my (?:address|number|phone|details|ic)\b"
            r"|\bsebar (?:alamat|nombor|maklumat)|\bmaklumat peribadi (?:aku|saya)\b",
        ),
        (
            "threats",
            r"\bthreat|\b(?:gonna|going to|will|'ll) (?:hurt|beat|kill|stab|jump)\b|\bugut"
            r"|\b(?:nak|nk|nok|akan|mau) (?:pukul|belasah|tumbuk|tikam|bunuh|serang)\b",
        ),
        (
            "school",
            r"\b(?:report|tell)(?:ing)? (?:it )?(?:to )?(?:the )?(?:school|teacher|principal)\b"
            r"|\blapor (?:kepada |ke |pada )?(?:sekolah|cikgu|guru)\b|\baduan buli\b",
        ),
        (
            "bystander",
            r"\b(?:my|a|our) (?:best )?(?:friend|bestie|bff|classmate|cousin|deskmate)s? (?:is|are"
            r"|was|were|keeps?|gets?) (?:being |getting |always |still )?"
            r"(?:bullied|picked on|harassed|mocked|humiliated)\b|\bsaw (?:someone|a kid)"
            r"|\b(?:kawan|member|classmate|sepupu) (?:baik )?(?:aku|saya|sy|i|ku) (?:selalu |asyik "
            r"|tengah |sedang )?(?:kena buli|dibuli|kena ejek|diejek|kena kutuk)\b"
            r"|\bnampak (?:orang|budak|kawan) (?:kena buli|dibuli)\b",
        ),
        ("law", r"\billegal\b|\bcrime\b|\bagainst the law\b|\bjenayah\b|\bundang-undang\b"),
    ),
}
_COMPILED = {
    group: tuple((topic, re.compile(pattern, re.IGNORECASE)) for topic, pattern in pairs)
    for group, pairs in _WORDS.items()
}


def button_topic(tracker: Tracker) -> str | None:
    """The topic a button sent (the `topic` slot, filled from the payload's entity)."""
    topic = tracker.get_slot("topic")
    return topic if isinstance(topic, str) and topic else None


def words_topic(tracker: Tracker, group: str) -> str | None:
    """A topic read from the words of the latest message, or None."""
    text = (tracker.latest_message or {}).get("text") or ""
    if text.startswith("/"):
        return None
    for topic, pattern in _COMPILED[group]:
        if pattern.search(text):
            return topic
    return None


def clear_topic(tracker: Tracker) -> List[Dict[str, Any]]:
    """Forget the button's topic once answered, so the next plain question gets the usual answer."""
    return [SlotSet("topic", None)] if tracker.get_slot("topic") is not None else []
