"""Language and age detection: what decides the reply language and the referrals."""

import pytest

from components.age import extract_age
from components.lexicon import detect_language, requested_language
from components.speaker import writer_role, writes_as_parent


@pytest.mark.parametrize(
    "text, lang",
    [
        ("bro dia ugut nak sebar gambar aku", "ms"),
        ("cmne nak report", "ms"),
        ("macam mana nak buat laporan", "ms"),
        ("terima kasih", "ms"),
        ("wat is grooming", "en"),
        ("how do I report him", "en"),
        ("thanks!", "en"),
        ("he says he'll post my nudes unless I pay", "en"),
        ("tolong sy takut sgt 😭", "ms"),
        ("W\u200bhat is sextortion", "en"),  # zero-width space inside a word
        ("kedai mana jual tali pengakap", "ms"),  # everyday Malay, no question word
        ("beli baju raya", "ms"),
        ("i ate at the kedai mamak with my friends", "en"),
    ],
)
def test_detects_the_language_a_child_writes_in(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "ambo doh naik bas gi kota bharu nok jupo ore hok kenal dale game",  # Kelantan
        "mung tokse gi ko, dio doh tunggu",  # Terengganu
        "sia sudah bilang ndak mau pigi",  # Sabah
        "kamek sik maok agik, sidak polah kamek malu",  # Sarawak
        "hampa tau dak, depa habaq satgi mai",  # the north
    ],
)
def test_regional_malay_is_answered_in_malay(text):
    assert detect_language(text) == "ms"


@pytest.mark.parametrize("text", ["hi", "ok", "ya", "no", "😭😭", "", "123", "مرحبا"])
def test_keeps_the_current_language_when_unsure(text):
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text, lang",
    [
        ("speak malay please", "ms"),
        ("tukar ke english", "en"),
        ("bahasa inggeris boleh?", "en"),
        ("can u reply in bm", "ms"),
        ("bahasa melayu", "ms"),
    ],
)
def test_change_language_names_the_language_asked_for(text, lang):
    assert requested_language(text) == lang


@pytest.mark.parametrize(
    "text, age",
    [
        ("i'm 12", 12),
        ("im 15 yo", 15),
        ("umur saya 11 tahun", 11),
        ("aku baru 13", 13),
        ("saya darjah 5", 11),
        ("form 2", 14),
        ("I am 17 years old", 17),
    ],
)
def test_reads_the_users_own_age(text, age):
    assert extract_age(text) == age


@pytest.mark.parametrize(
    "text",
    ["my son is 12", "anak saya 10 tahun", "he is 30 years old", "i paid rm 50", "at 9pm", ""],
)
def test_ignores_other_peoples_ages_and_other_numbers(text):
    assert extract_age(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "my son is 12 and a man keeps sending him game credits",
        "how can I protect my daughter online",
        "anak saya kena ugut dengan orang dalam instagram",
        "i'm a mum and i found weird chats on my kid's phone",
        "saya seorang ibu, risau pasal anak",
        "my 13 year old girl is talking to an adult",
    ],
)
def test_a_parent_writing_about_their_child_is_recognised(text):
    assert writes_as_parent(text)


@pytest.mark.parametrize(
    "text",
    ["my mum took my phone", "a guy wants me to keep our chats secret", "dia ugut aku", ""],
)
def test_a_child_is_not_taken_for_a_parent(text):
    assert not writes_as_parent(text)


@pytest.mark.parametrize(
    "text, role",
    [
        ("saya guru kelas, murid saya beritahu dia dipukul di rumah", "educator"),
        ("I'm a form teacher and one of my students told me a man is waiting for her", "educator"),
        ("sy kaunselor sekolah, ada pelajar mesej tengah malam nak bunuh diri", "educator"),
        ("my son is 12 and a man keeps sending him game credits", "parent"),
        ("cikgu saya marah sebab saya lambat", None),
        ("my teacher took my phone", None),
        ("im a teacher's pet lol", None),
        ("my student council president keeps threatening me", None),  # a child, not a teacher
        ("lost my student card and someone is using it", None),
    ],
)
def test_a_teacher_writing_about_a_pupil_is_recognised(text, role):
    assert writer_role(text) == role


# --- Mandarin, Tamil and scripts Jaga cannot read ------------------------------------------


@pytest.mark.parametrize(
    "text, lang",
    [
        ("我不想活了", "zh"),
        ("他要 viral 我的照片怎么办", "zh"),
        ("我覺得活著沒意思", "zh"),  # Traditional characters
        ("எனக்கு பயமா இருக்கு", "ta"),
        ("enaku romba bayama irukku", "ta"),  # romanised Tamil
        ("aku takut sangat", "ms"),
        ("i am scared", "en"),
    ],
)
def test_mandarin_and_tamil_are_told_apart_from_english_and_malay(text, lang):
    from components.lexicon import detect_language

    assert detect_language(text) == lang


def test_a_script_jaga_cannot_read_is_marked_and_never_guessed():
    from components.lexicon import UNREADABLE, detect_language, script_language

    for text in ("لا أريد أن أعيش", "ฉันไม่อยากอยู่แล้ว", "살고 싶지 않아"):
        assert script_language(text) == UNREADABLE
        assert detect_language(text) is None  # the conversation keeps its language


def test_chinese_is_split_into_characters_for_the_model():
    from rasa.shared.nlu.training_data.message import Message

    from components.tokenizer import HanSplittingTokenizer

    tokenizer = HanSplittingTokenizer(HanSplittingTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={"text": "他要viral我的照片 pls"}), "text")
    assert [t.text for t in tokens] == ["他", "要", "viral", "我", "的", "照", "片", "pls"]
    assert [(t.start, t.end) for t in tokens][2] == (2, 7)


def test_chinese_words_beside_latin_ones_are_not_dropped_as_emoji():
    """Rasa's whitespace tokenizer drops a word its emoji pattern matches in full, and that
    pattern covers every Han character: Malaysian Mandarin with a Latin word or a number beside
    a space-separated Chinese phrase lost the phrase ("死定了" below) before the model saw it."""
    from rasa.shared.nlu.training_data.message import Message

    from components.tokenizer import HanSplittingTokenizer

    tokenizer = HanSplittingTokenizer(HanSplittingTokenizer.get_default_config())
    for text, wanted in [
        ("明天uasa数学 死定了 😂", ["明", "天", "uasa", "数", "学", "死", "定", "了"]),
        ("他说 ok 了", ["他", "说", "ok", "了"]),
        ("我好怕 他在楼下", ["我", "好", "怕", "他", "在", "楼", "下"]),
    ]:
        tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
        assert [t.text for t in tokens] == wanted, text
        assert all(text[t.start : t.end] == t.text for t in tokens)


def test_emoji_reach_the_model_as_tokens_where_they_stand():
    """Rasa's tokenizer drops emoji; with `emoji: true` each run of one emoji is a token in
    place, so "nak mati 😂" and "nak mati 😰" are different messages to the model."""
    from rasa.shared.nlu.training_data.message import Message

    from components.tokenizer import HanSplittingTokenizer

    on = HanSplittingTokenizer({**HanSplittingTokenizer.get_default_config(), "emoji": True})
    off = HanSplittingTokenizer(HanSplittingTokenizer.get_default_config())
    for text, wanted in [
        ("nak mati😂😂 weh", ["nak", "mati", "emoji_1f602", "weh"]),
        ("bye everyone 🙂", ["bye", "everyone", "emoji_1f642"]),
        ("😭😭😭", ["emoji_1f62d"]),
        ("👍🏽 ok ❤️", ["emoji_1f44d", "ok", "emoji_2764"]),  # no skin tone, no selector
        ("死定了 😂", ["死", "定", "了", "emoji_1f602"]),
    ]:
        tokens = on.tokenize(Message(data={"text": text}), "text")
        assert [t.text for t in tokens] == wanted, text
        emoji = [t for t in tokens if t.text.startswith("emoji_")]
        assert all(text[t.start] == chr(int(t.text[6:], 16)) for t in emoji)
    # a model trained without them is served without them
    plain = off.tokenize(Message(data={"text": "nak mati😂😂 weh"}), "text")
    assert [t.text for t in plain] == ["nak", "mati", "weh"]


def test_chat_spellings_meet_one_spelling_in_the_model_and_keep_the_text():
    from rasa.shared.nlu.training_data.message import Message

    from components.spelling import spellings
    from components.tokenizer import HanSplittingTokenizer

    tokenizer = HanSplittingTokenizer(
        {**HanSplittingTokenizer.get_default_config(), "respell": True}
    )
    short = tokenizer.tokenize(Message(data={"text": "sy x nk blk umah, u r my frend pls"}), "text")
    full = tokenizer.tokenize(
        Message(data={"text": "saya tak nak balik rumah, you are my frend please"}), "text"
    )
    assert [t.lemma for t in short] == [t.lemma for t in full]
    assert [t.text for t in short][:3] == ["sy", "x", "nk"]  # what was written stays
    table = spellings()
    # words a child in danger writes are never turned into something else
    for word in ("die", "hang", "cam", "kill", "mati", "bunuh", "pills", "rope", "sick", "tok"):
        assert word not in table, word


def test_a_spelling_listed_twice_is_refused(tmp_path):
    from components.spelling import spellings

    path = tmp_path / "spelling.yml"
    path.write_text("canonical:\n  tak: [x]\n  kali: [x]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'x'"):
        spellings.__wrapped__(path)
    path.write_text("canonical:\n  tak: [x]\n  x: [ex]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'x'"):
        spellings.__wrapped__(path)


# --- Ages in Mandarin and Tamil -------------------------------------------------------------

_ZH_TA_OWN_AGES = [
    ("我12岁", 12),
    ("我今年十二岁", 12),
    ("我12歲", 12),  # Traditional
    ("我才十三岁啦", 13),
    ("我已经十五岁了", 15),
    ("我刚满14岁", 14),
    ("我是个13岁的学生", 13),
    ("我今年12", 12),
    ("我的年龄是14", 14),
    ("我12岁，我弟弟9岁", 12),  # the writer's own age comes first
    ("十一岁可以玩ig吗", 11),
    ("எனக்கு 12 வயது", 12),
    ("நான் 14 வயசு பொண்ணு", 14),
    ("என் வயது 11", 11),
    ("naan 12 vayasu", 12),
    ("enakku 13 vayasu", 13),
    ("enaku ippo 10 vayathu", 10),
    ("en vayasu 15", 15),
    ("enakku 12 years old", 12),  # Tamil-English mix
]

_ZH_TA_NOT_THE_WRITERS_AGE = [
    "我儿子12岁",
    "我的孩子十岁",
    "我女兒今年13歲",
    "他说他十六岁",
    "12点",
    "我12点睡觉",
    "这个12块",
    "16岁以下不能用tiktok吗",
    "未满16岁可以开账号吗",
    "要16岁才能开账号",
    "我十几岁",
    "en paiyan 12 vayasu",
    "என் மகன் 12 வயது",
    "என் 12 வயசு பையனுக்கு tiktok வேணுமாம்",  # "my 12-year-old boy"
    "en ponnu 13 vayasu, avalukku tiktok venuma",
    "அவன் 20 வயசு",
    "12 மணி",
    "நான் 10 மணிக்கு தூங்குவேன்",
    "16 வயதுக்கு கீழ் tiktok use பண்ணலாமா",
    "naan 50 velli kuduthen",
]


@pytest.mark.parametrize("text, age", _ZH_TA_OWN_AGES)
def test_reads_the_writers_own_age_in_mandarin_and_tamil(text, age):
    assert extract_age(text) == age


@pytest.mark.parametrize("text", _ZH_TA_NOT_THE_WRITERS_AGE)
def test_ignores_other_peoples_ages_and_other_numbers_in_mandarin_and_tamil(text):
    assert extract_age(text) is None


def test_editing_the_spellings_retrains_the_model(tmp_path, monkeypatch):
    """Rasa's training cache keys a component by class and config only; the tokenizer adds a
    hash of its files, so an edit to components/spelling.yml is not served from the cache."""
    import components.tokenizer as tokenizer_module
    from components.spelling import SPELLING_FILE

    before = tokenizer_module.HanSplittingTokenizer.fingerprint_addon({})
    edited = tmp_path / "spelling.yml"
    edited.write_text(SPELLING_FILE.read_text(encoding="utf-8") + "  tidur: [tdo]\n", "utf-8")
    monkeypatch.setattr(tokenizer_module, "SPELLING_FILE", edited)
    assert tokenizer_module.HanSplittingTokenizer.fingerprint_addon({}) != before
