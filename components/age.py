"""Rasa component: the user's own age, when they say it ("i'm 12", "umur saya 11 tahun",
"我12岁", "我今年十二岁", "எனக்கு 12 வயது", "enakku 13 vayasu").

Only first-person statements count, so a parent's "my son is 12" (我儿子12岁, en paiyan 12
vayasu) does not make the parent 12, and numbers that are not ages (12点, 12块, 12 மணி) are
not read.
School years count too: darjah/standard N is about N + 6 years old, tingkatan/form N about N + 12.
"""

from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import RuleComponent, add_entity, has_entity
from components.text import normalise

_N = r"(\d{1,2})"
_NOT_AN_AGE = r"(?!\s*(?:rm|ringgit|%|am\b|pm\b|k\b|minit|min|jam|hours?))\b"
# "i'm 12" is about the writer even in "i'm 12 and my brother is 15".
_I_AM = re.compile(
    r"\b(?:i'?m|i am|im)\s*(?:(?:just|only|now|turning)\s*)?" + r"(\d{1,2})" + _NOT_AN_AGE
)
_FIRST_PERSON = re.compile(
    r"\b(?:age|aged|umur|usia|saya|sy|aku|umo)\s*"
    r"(?:(?:baru|just|only|dah|sudah|is|ni|je|jer|now|turning|turned)\s*)?"
    + _N
    + r"(?!\s*(?:rm|ringgit|%|am\b|pm\b|k\b|minit|min|jam|hours?))\b"
)
_YEARS_OLD = re.compile(_N + r"\s*(?:yo|y/o|yrs?(?: old)?|years?(?: old)?|tahun|thn|thun)\b")
_PRIMARY = re.compile(r"\b(?:darjah|standard|std)\s*([1-6])\b")
_SECONDARY = re.compile(r"\b(?:tingkatan|form|ting)\s*([1-6])\b")
# Someone else's age: the message is about a son, daughter, sibling or another person.
_OTHER_PERSON = re.compile(
    r"\b(?:my (?:son|daughter|child|kid|brother|sister|niece|nephew|student)s?|"
    r"my \d{1,2}\s*(?:yo|y/o|year old|years old)|"
    r"anak|adik|abang|kakak|he|she|dia|his|her|budak|student|murid)\b"
)

# Mandarin (Simplified and Traditional). A number is Arabic digits or a Chinese numeral up to 99.
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_ZH_DIGITS.update({"七": 7, "八": 8, "九": 9})
_ZH_N = r"((?<!\d)\d{1,2}(?!\d)|[零一二两兩三四五六七八九十]{1,3})"
_ZH_YEARS = r"(?:周岁|周歲|足岁|足歲|虚岁|虛歲|岁|歲)"
# "16岁以下", "未满16岁", "12岁的时候": a limit or a time of life, not the writer's age now.
_ZH_NOT_NOW = (
    r"(?!\s*(?:以下|以上|或以上|或以下|以内|以內|之前|前|以后|以後|后|後|的时候|的時候|时|時|那年|"
    r"开始|開始|才能|才可以|才可|起))"
)
# "要16岁才能", "至少13岁": the rule's age. "刚满14岁" (just turned 14) is the writer's own.
_ZH_LIMIT_BEFORE = re.compile(
    r"(?:未满|未滿|不满|不滿|(?<![刚剛已])满|(?<![刚剛已])滿|低于|低於|小于|小於|超过|超過|大于|大於|"
    r"需要|必须|必須|至少|最少|要|得)\s*$"
)
# Numbers that are not ages: hours, money, dates, counts.
_ZH_NOT_AN_AGE = (
    r"(?!\s*(?:点|點|块|塊|元|令吉|马币|馬幣|分|号|號|月|日|天|个|個|次|楼|樓|%|"
    r"小时|小時|年级|年級))"
)
_ZH_FILLER = (
    r"(?:今年|现在|現在|目前|已经|已經|才|只有|只|刚刚|剛剛|刚|剛|满|滿|都|也|是|快|就|已|经|經|了|"
    r"一个|一個|个|個)"
)
# "我12岁", "我今年十二岁", "我今年12" (a year word or 岁 must be there: "我12点睡" is a time).
_ZH_I_AM = re.compile(
    r"我\s*(?:" + _ZH_FILLER + r"\s*){0,3}" + _ZH_N + r"\s*" + _ZH_YEARS + _ZH_NOT_NOW
)
_ZH_I_AM_THIS_YEAR = re.compile(
    r"我\s*(?:今年|现在|現在|目前)\s*(?:" + _ZH_FILLER + r"\s*){0,2}" + _ZH_N + _ZH_NOT_AN_AGE
)
_ZH_AGE_IS = re.compile(
    r"(?:年龄|年齡|年纪|年紀|岁数|歲數)\s*(?:是|為|为|:)?\s*" + _ZH_N + _ZH_NOT_AN_AGE
)
_ZH_YEARS_OLD = re.compile(_ZH_N + r"\s*" + _ZH_YEARS + _ZH_NOT_NOW)
_ZH_OTHER_PERSON = re.compile(
    r"儿子|兒子|女儿|女兒|孩子|小孩|子女|宝贝|寶貝|弟弟|妹妹|哥哥|姐姐|孙|孫|侄|外甥|学生|學生|"
    r"同学|同學|朋友|他|她|它|老公|老婆|爸|妈|媽|父亲|父親|母亲|母親"
)

# Tamil, in Tamil script and romanised ("enakku 13 vayasu", "naan 12 vayathu").
# வயது/வயசு and their forms வயதாகிறது/வயசாகுது; not the dative வயதுக்கு ("16 வயதுக்கு கீழ்",
# under 16) nor வயதில் ("at 12").
_TA_YEARS = r"(?:வய(?:து|சு|தா|சா)(?!க்கு|க்கும்|க்குள்|க்குட்))"
_TA_YEARS_LATIN = r"(?:vayas[ua]|vayath[ua]|vayadh[ua]|vayasu?\s*aaguthu|vayasaaguthu|vayasachu)\b"
# "எனக்கு/நான் 12 வயது" (to me / I), "என் வயது 12" (my age); "என் 12 வயசு பையன்" is a child's.
_TA_ME = r"(?:எனக்கு|நான்)"
_TA_MY = r"(?:எனக்கு|என்|எனது|என்னோட|என்னுடைய)"
_TA_ME_LATIN = r"\b(?:enakku|enaku|ennaku|yenakku|naan|nan|naa)\b"
_TA_MY_LATIN = r"\b(?:enakku|enaku|ennaku|en|enoda|ennoda|ennudaya|enathu)\b"
_TA_N = r"((?<!\d)\d{1,2}(?!\d))"
# "எனக்கு 12 வயது", "நான் 12 வயசு", "என் வயது 12", "enakku 13 vayasu", "en vayasu 12".
_TA_I_AM = re.compile(
    _TA_ME
    + r"\s*(?:இப்போ\s*|இப்ப\s*|இப்போது\s*|தான்\s*)?"
    + _TA_N
    + r"\s*"
    + _TA_YEARS
    + r"|"
    + _TA_MY
    + r"\s*"
    + _TA_YEARS
    + r"\s*(?:இப்போ\s*|இப்ப\s*)?"
    + _TA_N
)
_TA_I_AM_LATIN = re.compile(
    _TA_ME_LATIN
    + r"\s*(?:ippo\s*|ipo\s*|ippa\s*|thaan\s*|than\s*)?"
    + _TA_N
    + r"\s*"
    + _TA_YEARS_LATIN
    + r"|"
    + _TA_MY_LATIN
    + r"\s*"
    + _TA_YEARS_LATIN
    + r"\s*(?:ippo\s*|ipo\s*)?"
    + _TA_N
)
_TA_YEARS_OLD = re.compile(_TA_N + r"\s*(?:" + _TA_YEARS + r"|" + _TA_YEARS_LATIN + r")")
# Stems, so the case endings count too (மகனுக்கு, பையனோட, ponnukku, avalukku).
_TA_OTHER_PERSON = re.compile(
    r"மகன|மகள|பையன|பொண்ண|குழந்த|பிள்ள|தம்பி|தங்கை|தங்கச்சி|அண்ணன|அக்கா|அவன|அவள|அவர|அவங்க|"
    r"\b(?:magan|magal|paiyan|ponnu|kuzhandai|kulanthai|kolanthai|pillai|pasanga|thambi|"
    r"thangachi|thangai|annan|akka|avan|aval|avar|avanga)\w*"
)


def _zh_number(text: str) -> int | None:
    """12, "12", "十二", "二十" -> the number; None for anything else."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _ZH_DIGITS.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    ten = _ZH_DIGITS.get(tens, -1) if tens else 1
    unit = _ZH_DIGITS.get(units, -1) if units else 0
    if ten <= 0 or unit < 0:
        return None
    return ten * 10 + unit


def _an_age(number: int | None) -> int | None:
    return number if number is not None and 5 <= number <= 99 else None


def _zh_age(text: str, pattern: re.Pattern[str]) -> int | None:
    for match in pattern.finditer(text):
        if _ZH_LIMIT_BEFORE.search(text[: match.start(1)]):
            continue
        return _an_age(_zh_number(match.group(1)))
    return None


def _ta_age(match: re.Match[str]) -> int | None:
    number = next(group for group in match.groups() if group is not None)
    return _an_age(int(number))


def _zh_ta_age(text: str) -> int | None:
    """The writer's age in Mandarin or Tamil, or None."""
    for pattern in (_ZH_I_AM, _ZH_I_AM_THIS_YEAR):
        age = _zh_age(text, pattern)
        if age is not None:
            return age
    for pattern in (_TA_I_AM, _TA_I_AM_LATIN):
        match = pattern.search(text)
        if match:
            return _ta_age(match)
    if _ZH_OTHER_PERSON.search(text) or _TA_OTHER_PERSON.search(text):
        return None
    for pattern in (_ZH_AGE_IS, _ZH_YEARS_OLD):
        age = _zh_age(text, pattern)
        if age is not None:
            return age
    match = _TA_YEARS_OLD.search(text)
    return _ta_age(match) if match else None


def extract_age(text: str) -> int | None:
    """The age the writer says they are, or None."""
    text = normalise(text)
    match = _I_AM.search(text)
    if match:
        age = int(match.group(1))
        return age if 5 <= age <= 99 else None
    said = _zh_ta_age(text)
    if said is not None:
        return said
    if _OTHER_PERSON.search(text) or _ZH_OTHER_PERSON.search(text) or _TA_OTHER_PERSON.search(text):
        return None
    match = _FIRST_PERSON.search(text)
    if match:
        age = int(match.group(1))
        return age if 5 <= age <= 99 else None
    match = _YEARS_OLD.search(text)
    if match:
        age = int(match.group(1))
        return age if 5 <= age <= 99 else None
    match = _PRIMARY.search(text)
    if match:
        return int(match.group(1)) + 6
    match = _SECONDARY.search(text)
    if match:
        return int(match.group(1)) + 12
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class AgeExtractor(RuleComponent):
    """Adds an `age` entity that fills the `age` slot."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if has_entity(message, "age"):
                continue
            age = extract_age(message.get(TEXT) or "")
            if age is not None:
                add_entity(message, "age", str(age), "AgeExtractor")
        return messages
