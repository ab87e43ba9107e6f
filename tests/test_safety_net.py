"""The safety net: its pattern file, the pure `classify` function and the Rasa component.

`-s` prints recall / false-alarm tables per category and language over the development sets
(tests/data/safety_set.yml and tests/data/safety_blind.yml) and, when it exists, figures only
for the final blind holdout tests/data/safety_holdout.yml (never printed text by text, never
tuned on; its floors come from quality.yml `safety_holdout`).
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components.safety_net import (  # noqa: E402
    CATEGORIES,
    PatternFileError,
    PatternSet,
    SafetyNet,
    classify,
    default_patterns,
    load_patterns,
)

SAFETY_SET = ROOT / "tests" / "data" / "safety_set.yml"
SAFETY_BLIND = ROOT / "tests" / "data" / "safety_blind.yml"
# The patterns were tuned on both sets above: they are development sets now.
DEV_SETS = (SAFETY_SET, SAFETY_BLIND)
# The final blind holdout: loaded only to report figures, never tuned on, never printed.
SAFETY_HOLDOUT = ROOT / "tests" / "data" / "safety_holdout.yml"
QUALITY_FILE = ROOT / "quality.yml"
PATTERNS = default_patterns()

# Floors on each development set (crisis is fixed by the contract).
RECALL_FLOOR = {
    "crisis": 1.0,
    "disclose_sextortion": 0.9,
    "report_abuse_content": 0.9,
    "disclose_grooming": 0.9,
}
MAX_FALSE_ALARMS = 0.05


# --- the pattern file -----------------------------------------------------------------------


@pytest.mark.parametrize("entry", PATTERNS.patterns, ids=lambda e: e.id)
def test_every_example_lands_on_its_category(entry):
    assert len(entry.examples) >= 2
    for text in entry.examples:
        assert entry.regex.search(classify_form(text)) or any(
            entry.regex.search(f) for f in forms(text)
        ), f"{entry.id} does not match its own example {text!r}"
        found = classify(text)
        assert found is not None and found.category == entry.category, (
            f"{text!r} should be {entry.category} ({entry.id}), got {found}"
        )


@pytest.mark.parametrize(
    "entry", [e for e in PATTERNS.patterns if e.not_examples], ids=lambda e: e.id
)
def test_no_not_example_lands_on_the_category(entry):
    for text in entry.not_examples:
        found = classify(text)
        assert found is None or found.category != entry.category, (
            f"{text!r} must not be {entry.category}, got {found}"
        )


@pytest.mark.parametrize("guard", PATTERNS.guards, ids=lambda g: g.id)
def test_guards_match_their_examples_and_silence_them(guard):
    for text in guard.examples:
        assert any(guard.regex.search(f) for f in forms(text)), f"{guard.id} misses {text!r}"
        found = classify(text)
        assert found is None or found.category not in guard.categories, (text, found)
    for text in guard.not_examples:  # the danger beside the everyday reading stays caught
        assert not any(guard.regex.search(f) for f in forms(text)), f"{guard.id} hides {text!r}"


def test_both_languages_are_covered():
    malay = {"aku", "saya", "dia", "nak", "tak", "ada", "kat", "budak", "gambar", "anak"}
    for category in CATEGORIES:
        examples = [t for e in PATTERNS.patterns if e.category == category for t in e.examples]
        assert any(set(t.split()) & malay for t in examples), category
        assert any(" i " in f" {t} " or " my " in f" {t} " for t in examples), category


@pytest.mark.parametrize(
    "text",
    [
        "nak bunuh diri",
        "i want to kill myself",
        "aku nak bunuh diri sebab exam",
        "i'll kill myself in minecraft if i lose this boss lol",
        "mati la exam esok, aku nak bunuh diri",
        "my phone died and i want to kill myself",
        "kill this boss then kill myself",
    ],
)
def test_guards_never_silence_unambiguous_self_harm(text):
    found = classify(text)
    assert found is not None and found.category == "crisis", (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "kill this boss",
        "mati la exam esok",
        "my phone died",
        "this homework is killing me",
        "nak bunuh nyamuk",
        "battery aku nak mati",
        "i died 5 times in roblox",
        "my mom will kill me if i fail",
        "lol im dying of laughter",
        "what is sextortion",
        "apa itu grooming",
        "how do i report someone on tiktok",
        "how do i protect my kids from porn",
        "hello",
        "hi jaga",
        # "form 2" is a school year, not RM2; a nude lipstick shade is no picture
        "எங்க class-ல form 2 பொண்ணுங்க nude shade lipstick வாங்க TNG-ல pay பண்ணாங்க",
    ],
)
def test_everyday_messages_raise_no_alarm(text):
    assert classify(text) is None, (text, classify(text))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("he knows where i live", "crisis"),
        ("i cant do this anymore", "crisis"),
        ("dia kata nak datang rumah", "crisis"),
        ("nak bunuh diri", "crisis"),
        ("xnak hidup dah", "crisis"),
        ("dia ugut sebar gambar aku kalau x bayar", "disclose_sextortion"),
        ("he gives me robux and says dont tell my mom", "disclose_grooming"),
        ("KILL MYSELF", "crisis"),
        ("i want to diiieeee", "crisis"),
        ("nak m\u200bati", "crisis"),
        ("bunuh\u200d diri", "crisis"),
        ("i want to kill myself \U0001f62d\U0001f62d", "crisis"),
        ("i\u2019m going to kill myself", "crisis"),
        # Tamil with the picture named in English: pay in game points or it goes to mum
        (
            "snapchat hack ஆச்சு, என் private pics வெச்சு game points வாங்கி குடு இல்லனா "
            "அம்மாவுக்கு அனுப்புறேன்னு மிரட்டுறான்",
            "disclose_sextortion",
        ),
    ],
)
def test_brief_examples_and_obfuscations(text, category):
    found = classify(text)
    assert found is not None and found.category == category, (text, found)


def test_priority_crisis_wins_over_everything():
    text = "he says he'll post my nudes unless i pay and i want to kill myself"
    assert classify(text).category == "crisis"
    text = "he blackmails me with my pics, he gave me robux and said dont tell my mom"
    assert classify(text).category == "disclose_sextortion"


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        " ",
        "\u200b\u200c\u200d\ufeff",
        "\u202e\u202dtext\u202c",
        "مرحبا كيف حالك",
        "שלום עולם",
        "\U0001f62d" * 500,
        "a" * 100_000,
        "kill " * 20_000,
        "\x00\x01\x02\ud800 binary",
        b"\xff\xfe bytes",
        12345,
        "((((((((((",
        "\\",
        "$^*+?{}[]|()",
    ],
)
def test_odd_input_never_crashes(text):
    classify(text)


def test_huge_input_is_fast_and_still_finds_the_end():
    text = "blah " * 30_000 + " i want to kill myself"
    started = time.perf_counter()
    found = classify(text)
    assert time.perf_counter() - started < 1.0
    assert found is not None and found.category == "crisis"


def test_speed_per_message():
    texts = [t for e in PATTERNS.patterns for t in e.examples] + [
        "hello how are you today my friend",
        "what is the weather tomorrow in kuala lumpur",
        "macam mana nak buat laporan polis online untuk anak saya",
        "i want to report this account on instagram because he keeps sending me weird stuff",
    ] * 20
    for text in texts[:50]:
        classify(text)  # warm up
    started = time.perf_counter()
    rounds = 3
    for _ in range(rounds):
        for text in texts:
            classify(text)
    per_message_ms = (time.perf_counter() - started) / (rounds * len(texts)) * 1000
    print(f"\nsafety net: {per_message_ms:.3f} ms a message over {len(texts)} messages")
    # The budget is 0.3 ms; the bound here leaves room for a busy CI machine.
    assert per_message_ms < 1.0


def test_prefilter_never_changes_a_result():
    texts = [t for e in PATTERNS.patterns for t in e.examples + e.not_examples]
    texts += [t for g in PATTERNS.guards for t in g.examples]
    for path in DEV_SETS:
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            rows = (data.get("positives") or []) + (data.get("negatives") or [])
            texts += [row["text"] for row in rows]
    for text in texts:
        fast, slow = PATTERNS.classify(text), PATTERNS.classify(text, prefilter=False)
        assert (fast and (fast.category, fast.pattern)) == (
            slow and (slow.category, slow.pattern)
        ), text


# --- validation of the pattern file --------------------------------------------------------


def _file(tmp_path, body):
    path = tmp_path / "patterns.yml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD_ENTRY = """
      - id: crisis.test
        pattern: "{X} test"
        examples: ["a test", "b test"]
"""


def test_valid_file_loads(tmp_path):
    loaded = load_patterns(
        _file(tmp_path, "macros: {X: '(?:a|b)'}\ncategories:\n  crisis:" + GOOD_ENTRY)
    )
    assert loaded.classify("a test").pattern == "crisis.test"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("macros: {}\ncategories:\n  crisis:" + GOOD_ENTRY, "unknown macro {X}"),
        ("macros: {X: '(?:a|b'}\ncategories:\n  crisis:" + GOOD_ENTRY, "not a valid regex"),
        (
            "macros: {X: '(?:a|b)'}\ncategories:\n  crisis:" + GOOD_ENTRY + GOOD_ENTRY[1:],
            "duplicate id",
        ),
        (
            "macros: {X: 'a'}\ncategories:\n  crisis:\n"
            "      - {id: crisis.bad, pattern: 'a(', examples: [a, b]}\n",
            "not a valid regex",
        ),
        ("macros: {X: 'a'}\ncategories:\n  crises:" + GOOD_ENTRY, "unknown category"),
        (
            "categories:\n  crisis:\n      - {id: crisis.few, pattern: 'a', examples: [a]}\n",
            "at least 2",
        ),
        ("macros: {X: '{Y}'}\ncategories: {}\n", "unknown macro {Y}"),
        (
            "categories: {}\nguards:\n  - {id: g.x, pattern: 'a', examples: [a], scope: all}\n",
            "scope",
        ),
        ("[1, 2]", "top level"),
    ],
)
def test_bad_files_fail_with_a_clear_error(tmp_path, body, message):
    with pytest.raises(PatternFileError, match=message.replace("{", r"\{").replace("}", r"\}")):
        load_patterns(_file(tmp_path, body))


def test_a_key_given_twice_is_an_error(tmp_path):
    # Plain YAML would keep the second `pattern` silently and lose the first entry.
    body = (
        "categories:\n  crisis:\n    - id: crisis.a\n      pattern: a\n"
        "      pattern: b\n      examples: [a, b]\n"
    )
    with pytest.raises(PatternFileError, match="given twice"):
        load_patterns(_file(tmp_path, body))


def test_pattern_set_accepts_a_mapping_directly():
    loaded = PatternSet(
        {"categories": {"crisis": [{"id": "crisis.x", "pattern": "x", "examples": ["x", "x x"]}]}}
    )
    assert loaded.classify("x").category == "crisis"


# --- the Rasa component ---------------------------------------------------------------------


def _message(text, intent, confidence=0.9, ranking=None):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set(
        "intent_ranking",
        ranking if ranking is not None else [{"name": intent, "confidence": confidence}],
        add_to_output=True,
    )
    return message


@pytest.fixture(scope="module")
def net():
    return SafetyNet()


def test_component_raises_a_low_priority_intent(net):
    message = _message("nak bunuh diri", "ask_helpline", 0.7)
    net.process([message])
    assert message.get("intent") == {"name": "crisis", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "crisis" and ranking[0]["confidence"] == 1.0
    assert any(r["name"] == "ask_helpline" for r in ranking)
    assert message.get("safety_net")["category"] == "crisis"
    assert message.get("safety_net")["pattern"] == "crisis.bunuh_diri"
    assert "safety_net" in message.as_dict_nlu() or "safety_net" in message.data


def test_component_lifts_nlu_fallback(net):
    message = _message(
        "xnak hidup dah", "nlu_fallback", 0.25, ranking=[{"name": "greet", "confidence": 0.2}]
    )
    net.process([message])
    assert message.get("intent")["name"] == "crisis"
    names = [r["name"] for r in message.get("intent_ranking")]
    assert names[0] == "crisis" and "nlu_fallback" in names and "greet" in names


def test_component_raises_grooming_over_a_question(net):
    message = _message("he gives me robux and says dont tell my mom", "ask_grooming", 0.6)
    net.process([message])
    assert message.get("intent")["name"] == "disclose_grooming"


def test_component_never_lowers_crisis(net):
    message = _message("dia ugut sebar gambar aku kalau x bayar", "crisis", 0.55)
    net.process([message])
    assert message.get("intent") == {"name": "crisis", "confidence": 0.55}
    assert message.get("safety_net") is None


def test_component_raises_sextortion_over_grooming(net):
    message = _message("dia ugut sebar gambar aku kalau x bayar", "disclose_grooming", 0.8)
    net.process([message])
    assert message.get("intent")["name"] == "disclose_sextortion"


@pytest.mark.parametrize(("confidence", "expected"), [(0.9, "disclose_grooming"), (0.3, None)])
def test_gifts_and_a_photo_request_do_not_move_a_sure_grooming_reading(net, confidence, expected):
    # "pay or photo" only finds words together (money, a demand, a photo): the model's sure
    # grooming reading stands; an unsure one is still raised to sextortion.
    text = "abang tu bagi duit topup, dia nak gambar aku pakai baju tidur"
    assert classify(text).pattern == "sextortion.pay_or_photo"
    message = _message(text, "disclose_grooming", confidence)
    net.process([message])
    assert message.get("intent")["name"] == (expected or "disclose_sextortion")


def test_component_keeps_an_equal_intent_and_its_confidence(net):
    message = _message("dia ugut sebar gambar aku kalau x bayar", "disclose_sextortion", 0.42)
    net.process([message])
    assert message.get("intent") == {"name": "disclose_sextortion", "confidence": 0.42}


def test_component_leaves_safe_messages_and_commands_alone(net):
    message = _message("hello there", "greet", 0.95)
    net.process([message])
    assert message.get("intent") == {"name": "greet", "confidence": 0.95}
    command = _message('/change_language{"lang":"ms"} bunuh diri', "change_language", 1.0)
    net.process([command])
    assert command.get("intent")["name"] == "change_language"


@pytest.mark.parametrize("text", [None, "", "\u200b", "\U0001f62d" * 100, "a" * 100_000])
def test_component_never_crashes(net, text):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text} if text is not None else {})
    net.process([message])


# --- recall and false alarms on the development sets and the holdout -------------------------


def _load_rows(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data.get("positives") or [], data.get("negatives") or []


def _evaluate(path):
    """Counts per (category, lang) for positives and per (near, lang) for negatives."""
    positives, negatives = _load_rows(path)
    result = {
        "hits": defaultdict(int),
        "totals": defaultdict(int),
        "alarms": defaultdict(int),
        "neg_totals": defaultdict(int),
        "misses": [],
        "false_alarms": [],
    }
    for row in positives:
        key = (row["category"], row.get("lang", "?"))
        result["totals"][key] += 1
        found = classify(row["text"])
        if found is not None and found.category == row["category"]:
            result["hits"][key] += 1
        else:
            result["misses"].append((row["category"], row["text"], found and found.category))
    for row in negatives:
        key = (row.get("near", "?"), row.get("lang", "?"))
        result["neg_totals"][key] += 1
        found = classify(row["text"])
        if found is not None:
            result["alarms"][key] += 1
            result["false_alarms"].append(
                (row.get("near"), row["text"], found.category, found.pattern)
            )
    return result


def _sum(counts, name):
    return sum(v for k, v in counts.items() if k[0] == name)


def _recall(result, category):
    total = _sum(result["totals"], category)
    return _sum(result["hits"], category) / total if total else None


def _false_alarm_rate(result):
    total = sum(result["neg_totals"].values())
    return sum(result["alarms"].values()) / total if total else 0.0


def _table(result, title, show_texts):
    hits, totals = result["hits"], result["totals"]
    alarms, neg_totals = result["alarms"], result["neg_totals"]
    langs = sorted({k[1] for k in totals} | {k[1] for k in neg_totals})
    lines = ["", title]
    header = f"{'category':22} " + " ".join(f"{'recall ' + lang:>16}" for lang in langs)
    header += f" {'recall all':>16} " + " ".join(f"{'false ' + lang:>14}" for lang in langs)
    header += f" {'false all':>14}"
    lines.append(header)
    near_keys = sorted({k[0] for k in neg_totals})
    for category in list(CATEGORIES) + [n for n in near_keys if n not in CATEGORIES]:
        row = f"{category:22} "
        for lang in langs:
            t = totals.get((category, lang), 0)
            row += f"{_ratio(hits.get((category, lang), 0), t):>16} "
        row += f"{_ratio(_sum(hits, category), _sum(totals, category)):>16} "
        for lang in langs:
            t = neg_totals.get((category, lang), 0)
            row += f"{_ratio(alarms.get((category, lang), 0), t):>14} "
        row += f"{_ratio(_sum(alarms, category), _sum(neg_totals, category)):>14}"
        lines.append(row)
    lines.append(
        f"{'all':22} recall {_ratio(sum(hits.values()), sum(totals.values()))}, "
        f"false alarms {_ratio(sum(alarms.values()), sum(neg_totals.values()))}"
    )
    if show_texts and result["misses"]:
        lines.append("misses:")
        lines += [f"  [{c}] {t!r} -> {f}" for c, t, f in result["misses"]]
    if show_texts and result["false_alarms"]:
        lines.append("false alarms:")
        lines += [f"  [near {n}] {t!r} -> {c} ({p})" for n, t, c, p in result["false_alarms"]]
    return "\n".join(lines)


@pytest.mark.parametrize("path", DEV_SETS, ids=lambda p: p.stem)
def test_dev_set_recall_and_false_alarms(path):
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    result = _evaluate(path)
    assert result["totals"] and result["neg_totals"]
    rel = path.relative_to(ROOT)
    print(_table(result, f"safety net on {rel} (development set; classify only)", True))
    for category, floor in RECALL_FLOOR.items():
        recall = _recall(result, category)
        if recall is not None:
            assert recall >= floor, f"{rel}: {category} recall {recall:.1%} < {floor:.0%}"
    rate = _false_alarm_rate(result)
    assert rate <= MAX_FALSE_ALARMS, f"{rel}: false alarms {rate:.1%} > {MAX_FALSE_ALARMS:.0%}"


def _holdout_floors():
    """quality.yml `safety_holdout`: crisis_recall_min and false_alarm_max, when present."""
    if not QUALITY_FILE.exists():
        return {}
    data = yaml.safe_load(QUALITY_FILE.read_text(encoding="utf-8")) or {}
    section = data.get("safety_holdout") or {}
    return {
        key: float(section[key])
        for key in ("crisis_recall_min", "false_alarm_max")
        if isinstance(section, dict) and section.get(key) is not None
    }


def test_holdout_figures():
    """The final blind holdout: figures only (no text is printed), floors from quality.yml."""
    if not SAFETY_HOLDOUT.exists():
        pytest.skip(f"{SAFETY_HOLDOUT.relative_to(ROOT)} not written yet")
    result = _evaluate(SAFETY_HOLDOUT)
    rel = SAFETY_HOLDOUT.relative_to(ROOT)
    print(_table(result, f"safety net on {rel} (blind holdout; figures only)", False))
    floors = _holdout_floors()
    if not floors:
        print("no safety_holdout floors in quality.yml: figures reported, nothing asserted")
        return
    crisis = _recall(result, "crisis")
    if "crisis_recall_min" in floors and crisis is not None:
        assert crisis >= floors["crisis_recall_min"], (
            f"holdout crisis recall {crisis:.1%} < {floors['crisis_recall_min']:.0%}"
        )
    if "false_alarm_max" in floors:
        rate = _false_alarm_rate(result)
        assert rate <= floors["false_alarm_max"], (
            f"holdout false alarms {rate:.1%} > {floors['false_alarm_max']:.0%}"
        )


def _ratio(part, whole):
    return f"{part}/{whole} {part / whole:.0%}" if whole else "-"


# --- helpers --------------------------------------------------------------------------------


def forms(text):
    from components.safety_net import matching_forms

    return matching_forms(text)


def classify_form(text):
    return forms(text)[0]


@pytest.mark.parametrize(
    "text",
    [
        "bapa sia pukul sia pakai hos paip, kaki sia bengkak",  # Sabah "sia" for "saya"
        "ayoh pukul kawe guno tali pinggang sampai lebam",  # Kelantan "kawe"
        "abah pukul sy dgn rotan tiap hari",  # chat "sy", "dgn"
    ],
)
def test_patterns_meet_regional_and_chat_spellings(text):
    """A pattern written with "saya" and "dengan" also meets "sia", "kawe", "sy" and "dgn"
    (components/spelling.yml), without anyone listing every spelling in every pattern."""
    found = classify(text)
    assert found is not None and found.category == "crisis", (text, found)


def test_a_guard_still_silences_a_match_found_only_in_the_respelt_message():
    # "bagitau" is re-spelt "bagitahu"; the friend's-crush guard is written for the former.
    text = "kawan aku cakap jangan bagitau orang dia crush kat budak kelas sebelah"
    found = classify(text)
    assert found is None or found.category != "disclose_grooming", found


MOVING = "minggu depan pindah, nak buat video goodbye utk kawan2"
HACKED = "the hacker wants RM50 to give back my account and my old photos"


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "expected"),
    [
        # The model is all but certain this is everyday talk: a weak pattern of words yields.
        (MOVING, "out_of_scope", 0.99, "out_of_scope"),
        (MOVING, "out_of_scope", 0.96, "out_of_scope"),
        # Less sure: the crisis pattern stands.
        (MOVING, "out_of_scope", 0.93, "crisis"),
        # A crisis pattern yields to everyday talk only: a farewell read as a goodbye or a
        # question about helplines is what the net is there to catch.
        (MOVING, "goodbye", 0.999, "crisis"),
        (MOVING, "ask_helpline", 0.999, "crisis"),
        # A strong phrase never yields.
        ("nak bunuh diri", "out_of_scope", 0.999, "crisis"),
        # Disclosure patterns yield to a sure everyday or question reading...
        (HACKED, "out_of_scope", 0.92, "out_of_scope"),
        (HACKED, "ask_report", 0.92, "ask_report"),
        (HACKED, "out_of_scope", 0.8, "disclose_sextortion"),
        # ...never to bullying, which can turn into threats.
        ("cikgu kata aku matang untuk umur aku", "ask_cyberbullying", 0.99, "disclose_grooming"),
    ],
)
def test_a_weak_pattern_yields_to_a_model_sure_of_everyday_talk(
    net, text, intent, confidence, expected
):
    found = classify(text)
    assert found is not None and found.category != intent
    message = _message(text, intent, confidence)
    net.process([message])
    assert message.get("intent")["name"] == expected
    if expected == intent:
        assert message.get("intent")["confidence"] == confidence
        assert message.get("safety_net") == {
            "category": found.category,
            "pattern": found.pattern,
            "deferred": True,
        }


# --- everyday readings: a disclosure the message itself shows to be everyday -----------------

SILLY = (
    "my brother has a video of me snoring and will send it to the family group "
    "unless i buy him boba 😂"
)
PIRACY = "how do i report a telegram channel that sells pirated movies"


def _ranked(top, confidence, *others):
    return [{"name": top, "confidence": confidence}] + [
        {"name": n, "confidence": c} for n, c in others
    ]


@pytest.mark.parametrize(
    ("text", "intent", "ranking", "lowered_to"),
    [
        (
            SILLY,
            "disclose_sextortion",
            (("ask_cyberbullying", 0.2), ("crisis", 0.1)),
            "ask_cyberbullying",
        ),
        (PIRACY, "report_abuse_content", (("crisis", 0.15), ("ask_report", 0.1)), "ask_report"),
        (
            "akaun ml aku kena hack, dia mintak rm50 baru pulang. takde gambar apa pun",
            "disclose_sextortion",
            (("out_of_scope", 0.3),),
            "out_of_scope",
        ),
    ],
)
def test_a_disclosure_the_message_shows_to_be_everyday_goes_to_the_best_everyday_intent(
    net, text, intent, ranking, lowered_to
):
    message = _message(text, intent, 0.6, _ranked(intent, 0.6, *ranking))
    net.process([message])
    assert message.get("intent")["name"] == lowered_to
    assert message.get("safety_net")["lowered"] == intent
    # the safety intents stay in the ranking, so the risk level still weighs them
    assert intent in [r["name"] for r in message.get("intent_ranking")]


@pytest.mark.parametrize(
    "text",
    [
        # the same threat with money, a bathroom, nudes, fear or a stranger is not everyday
        "my brother has a video of me snoring and will post it unless i pay rm50 😂",
        "he has a video of me in the bathroom and will post it unless i buy him boba 😂",
        "he has my nudes and will post them unless i buy him boba lol",
        "someone online has a pic of me sleeping, says he'll post it unless i buy him kfc. scared",
        # a hacked account where a picture is part of it
        "hacker took my ig, will post my private pics unless i pay, no photos of my face tho",
        # piracy beside a child or a sexual word is not piracy
        "telegram channel selling pirated movies also has videos of kids, how do i report",
    ],
)
def test_money_the_body_fear_a_stranger_or_a_child_keep_the_disclosure(net, text):
    for intent in ("disclose_sextortion", "report_abuse_content"):
        message = _message(text, intent, 0.6, _ranked(intent, 0.6, ("out_of_scope", 0.3)))
        net.process([message])
        assert message.get("intent")["name"] in CATEGORIES, (text, intent)  # still a safety path


def test_crisis_is_never_lowered_and_a_crisis_pattern_still_raises(net):
    message = _message(SILLY, "crisis", 0.6, _ranked("crisis", 0.6, ("out_of_scope", 0.3)))
    net.process([message])
    assert message.get("intent")["name"] == "crisis"
    text = "my brother has a video of me snoring lol but honestly i want to kill myself"
    message = _message(text, "disclose_sextortion", 0.6)
    net.process([message])
    assert message.get("intent")["name"] == "crisis"


def test_an_everyday_reading_must_be_message_wide_and_never_for_crisis():
    entry = "{id: guard.x, pattern: a, examples: [a], lowers_model: true, "
    for guard in (
        entry + "categories: [crisis], scope: message}",
        entry + "categories: [disclose_sextortion]}",
    ):
        with pytest.raises(PatternFileError, match="lowers_model"):
            PatternSet(yaml.safe_load(f"categories: {{}}\nguards:\n  - {guard}\n"))


def test_a_siblings_joke_threat_is_not_a_request_for_pictures_but_a_request_still_is():
    joke = "abang aku ugut nak post gambar aku tido ternganga kalau aku tak belanja dia mcd 😂"
    found = classify(joke)
    assert found is None or found.category != "disclose_grooming"
    asks = classify("abang tu minta gambar aku tido, dia belanja aku aiskrim 😂")
    assert asks is not None and asks.category == "disclose_grooming"


def test_a_guards_answer_must_name_a_response_of_a_lowering_guard():
    base = "{id: guard.x, pattern: a, examples: [a], scope: message, "
    base += "categories: [disclose_sextortion]"
    for guard in (base + ", answer: utter_scam}", base + ", lowers_model: true, answer: scam}"):
        with pytest.raises(PatternFileError):
            PatternSet(yaml.safe_load(f"categories: {{}}\nguards:\n  - {guard}\n"))
    ok = PatternSet(
        yaml.safe_load(
            f"categories: {{}}\nguards:\n  - {base}, lowers_model: true, answer: utter_scam}}\n"
        )
    )
    assert ok.answer_of("guard.x") == "utter_scam" and ok.everyday_answer("a") == "utter_scam"


def test_a_guards_answer_if_conditions_its_answer_and_needs_an_answer():
    base = "{id: guard.x, pattern: shop, examples: [shop], scope: message, lowers_model: true, "
    base += "categories: [disclose_sextortion]"
    ok = PatternSet(
        yaml.safe_load(
            f"categories: {{}}\nguards:\n  - {base}, answer: utter_scam, answer_if: paid}}\n"
        )
    )
    assert ok.everyday_answer("which shop opens late") is None
    assert ok.everyday_answer("paid the shop and got nothing") == "utter_scam"
    assert ok.answer_of("guard.x", "which shop") is None
    assert ok.answer_of("guard.x", "paid the shop") == "utter_scam"
    with pytest.raises(PatternFileError, match="answer_if"):
        PatternSet(yaml.safe_load(f"categories: {{}}\nguards:\n  - {base}, answer_if: paid}}\n"))


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("paid rm60 to a seller on ig for a ticket and she blocked me", "utter_scam"),
        ("akaun ff aku kena hack, dia minta rm30 baru nak pulangkan", "utter_scam"),
        ("a seller has a pic of me and wants rm60 or she posts it", None),
        ("akaun ig aku kena hack, dia ugut nak sebar gambar aku", None),
        (
            "my grandma posted my baby bath photo on her facebook, can i ask her to delete it",
            "utter_family_photo",
        ),
        ("my uncle posted naked baby photos of my cousin in a telegram group", None),
        # a shop is not a scam: no money, payment, code or hacked account named
        ("esok ujian pengakap, aku perlukan tali 2 meter, kedai mana buka lewat", None),
        ("my order from shopee hasn't arrived yet, is that normal", None),
    ],
)
def test_an_everyday_reading_names_its_answer_and_a_danger_never_does(text, answer):
    assert PATTERNS.everyday_answer(text) == answer
