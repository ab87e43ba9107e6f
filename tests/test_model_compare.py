"""The scoring of tools/model_compare.py on synthetic outcomes (no model, no Rasa)."""

from tools.model_compare import Outcome, acted, is_hit, merge, score_outcomes

CATEGORIES = [
    "crisis",
    "crisis",
    "disclose_sextortion",
    "disclose_grooming",
    "report_abuse_content",
    "ask_cyberbullying",
]


def test_crisis_everywhere_catches_every_safety_message_and_alarms_on_everything():
    crisis = Outcome("crisis", "danger")
    report = score_outcomes(CATEGORIES, [crisis] * len(CATEGORIES), [crisis] * 3)
    for category in ("crisis", "disclose_sextortion", "disclose_grooming", "report_abuse_content"):
        assert report["recall"][category]["rate"] == 1.0
    assert report["recall"]["ask_cyberbullying"]["rate"] == 0.0  # bullying wants its own advice
    assert report["false_alarms"] == {"hits": 3, "n": 3, "rate": 1.0}


def test_an_ordinary_intent_everywhere_catches_nothing_and_never_alarms():
    greet = Outcome("greet")
    report = score_outcomes(CATEGORIES, [greet] * len(CATEGORIES), [greet] * 4)
    assert all(r["rate"] == 0.0 for r in report["recall"].values())
    assert report["false_alarms"]["rate"] == 0.0


def test_a_check_in_is_a_safety_path_but_not_a_disclosure_reply():
    check_in = Outcome("out_of_scope", "concern")
    assert acted(check_in)
    assert is_hit("crisis", check_in)
    assert not is_hit("disclose_grooming", check_in)
    assert not is_hit("ask_cyberbullying", Outcome("ask_cyberbullying", "concern"))
    assert is_hit("ask_cyberbullying", Outcome("ask_cyberbullying"))
    assert is_hit("disclose_sextortion", Outcome("crisis"))


def test_merge_adds_hits_and_counts():
    one = score_outcomes(["crisis"], [Outcome("crisis")], [Outcome("greet")])
    two = score_outcomes(["crisis"], [Outcome("greet")], [Outcome("crisis")])
    merged = merge([one, two])
    assert merged["recall"]["crisis"] == {"hits": 1, "n": 2, "rate": 0.5}
    assert merged["false_alarms"] == {"hits": 1, "n": 2, "rate": 0.5}


def test_the_offline_chain_lowers_a_disclosure_on_its_everyday_reading_as_the_bot_does():
    import numpy as np

    from tools.model_compare import decide

    classes = ["disclose_sextortion", "ask_cyberbullying", "out_of_scope", "crisis"]
    probs = np.array([0.6, 0.25, 0.1, 0.05])
    silly = "my sister has a video of me singing and will post it unless i buy her boba 😂"
    assert decide(silly, classes, probs).intent == "ask_cyberbullying"
    paid = "my sister has a video of me singing and will post it unless i pay her rm50 😂"
    assert decide(paid, classes, probs).intent == "disclose_sextortion"
