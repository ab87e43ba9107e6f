"""`python -m tools.real_text`: the real-text sample, built here from tiny made-up sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import real_text
from tools.real_text import build_sample, clean, dedup_key, filtered_word, keep


def _sources(tmp_path: Path) -> dict[str, Path]:
    """Small source files in the formats of the real ones (no real data, no network)."""
    meso = tmp_path / "mesolitica" / "supervised-twitter"
    meso.mkdir(parents=True)
    rows = ["text\tid\tsentiment"]
    rows += [f"Hari ini saya makan nasi lemak nombor {i}\t{i}\tNeutral" for i in range(30)]
    rows += [
        "Hari ini saya makan nasi lemak nombor 0\t99\tNeutral",  # a duplicate
        "@kawan jom pergi pasar malam https://t.co/abc123\t100\tPositive",
        "Rasa nak mati je tengok kerja ni\t101\tNegative",  # filtered word
        "ok je\t102\tNeutral",  # too short
        "Tinggal di Seksyen 7 Shah Alam sejak kecil\t103\tNeutral",  # not filtered
    ]
    (meso / "data.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (meso / "README.md").write_text("# not data\n", encoding="utf-8")
    tweets = tmp_path / "test_text.txt"
    lines = [f"@user what a lovely day number {i} http://x.co/y " for i in range(30)]
    lines += ["I hate mondays so much", "lol ok", "RT @user: the game was great tonight"]
    tweets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sms = tmp_path / "SMSSpamCollection"
    msgs = ["Label\tSMS"]
    msgs += [f"ham\tSee you at the bus stop at {i} pm" for i in range(30)]
    msgs += ["spam\tWIN a free prize now call 0800 now", "ham\tSEE YOU at the bus stop at 3 PM!!"]
    sms.write_text("\n".join(msgs) + "\n", encoding="utf-8")
    return {"mesolitica": tmp_path / "mesolitica", "tweeteval": tweets, "sms": sms}


def _run(paths: dict[str, Path], out: Path, seed: int = 7) -> tuple[list[str], list[str]]:
    argv = ["--mesolitica", str(paths["mesolitica"]), "--tweeteval", str(paths["tweeteval"])]
    argv += ["--sms", str(paths["sms"]), "--out-dir", str(out), "--seed", str(seed)]
    argv += ["--real-sizes", "10,8,6", "--dev-size", "12"]
    assert real_text.main(argv) == 0
    real = (out / "real.txt").read_text(encoding="utf-8").splitlines()
    dev = (out / "dev.txt").read_text(encoding="utf-8").splitlines()
    return real, dev


def test_cleaning_and_filter() -> None:
    assert clean("@kawan jom pergi pasar https://t.co/x www.a.my/b") == "jom pergi pasar"
    assert clean("RT @user: fish &amp; chips") == "fish & chips"
    assert filtered_word("Rasa nak MATI je") == "mati"
    assert filtered_word("he was killed") == "killed"
    assert filtered_word("saya nak bunuh   diri") == "bunuh   diri"
    assert filtered_word("boleh guna bas di Seksyen 7, Port Dickson") is None
    assert keep("three whole words")
    assert not keep("two words")
    assert not keep("word " * 60)  # over 280 characters
    assert dedup_key("See you, at 3 PM!") == dedup_key("see you at 3 pm")


def test_sample_from_files(tmp_path: Path, capsys) -> None:
    paths = _sources(tmp_path)
    real, dev = _run(paths, tmp_path / "out")
    assert "mesolitica" in capsys.readouterr().out
    assert len(real) == 10 + 8 + 6
    assert len(dev) == 12  # 5 + 4 + 3, the proportions of 10, 8, 6
    lines = real + dev
    assert not set(real) & set(dev)
    assert len({dedup_key(line) for line in lines}) == len(lines)
    assert not any("http" in line or "@" in line or line.startswith("RT") for line in lines)
    assert all(len(line.split()) >= 3 and len(line) <= 280 for line in lines)
    assert not any(filtered_word(line) for line in lines)
    assert "I hate mondays so much" not in lines
    assert not any("WIN a free prize" in line for line in lines)  # spam is left out


def test_pool_and_dedup(tmp_path: Path) -> None:
    paths = _sources(tmp_path)
    sources = {
        "mesolitica": real_text.read_mesolitica([paths["mesolitica"]]),
        "tweeteval": real_text.read_lines(paths["tweeteval"]),
        "sms": real_text.read_sms_ham(paths["sms"]),
    }
    pools = real_text.pool(sources)
    assert "jom pergi pasar malam" in pools["mesolitica"]
    assert "Tinggal di Seksyen 7 Shah Alam sejak kecil" in pools["mesolitica"]
    assert "the game was great tonight" in pools["tweeteval"]
    assert len(pools["mesolitica"]) == 30 + 2  # duplicate, filtered and short lines gone
    assert len(pools["tweeteval"]) == 30 + 1
    assert len(pools["sms"]) == 30  # "SEE YOU at the bus stop at 3 PM!!" repeats line 3


def test_same_seed_same_sample(tmp_path: Path) -> None:
    paths = _sources(tmp_path)
    first = _run(paths, tmp_path / "a", seed=11)
    assert _run(paths, tmp_path / "b", seed=11) == first
    assert _run(paths, tmp_path / "c", seed=12) != first


def test_too_few_lines_is_an_error(tmp_path: Path) -> None:
    sources = {"mesolitica": ["satu dua tiga"], "tweeteval": [], "sms": []}
    with pytest.raises(ValueError, match="mesolitica: 1 usable lines, 2 needed"):
        build_sample(sources, {"mesolitica": 2, "tweeteval": 0, "sms": 0}, 0)


def test_training_file_holds_only_sms_lines_no_sample_drew(tmp_path: Path, monkeypatch) -> None:
    """`--training-out`: the unused SMS become out_of_scope examples; the samples stay unseen."""
    from components.text import normalise
    from tools.nlu_eval import load_nlu_file

    paths = _sources(tmp_path)
    known = {normalise("See you at the bus stop at 29 pm")}  # as if already a training line
    monkeypatch.setattr(real_text, "repository_texts", lambda _out: set(known))
    out, training = tmp_path / "out", tmp_path / "everyday_sms.yml"
    argv = ["--mesolitica", str(paths["mesolitica"]), "--tweeteval", str(paths["tweeteval"])]
    argv += ["--sms", str(paths["sms"]), "--out-dir", str(out), "--seed", "7"]
    argv += ["--real-sizes", "10,8,6", "--dev-size", "12", "--training-out", str(training)]
    assert real_text.main(argv) == 0
    examples = load_nlu_file(training)
    texts = [e.text for e in examples]
    assert {e.intent for e in examples} == {"out_of_scope"}
    assert "SMS Spam Collection" in training.read_text(encoding="utf-8")  # the source is credited
    drawn = set((out / "real.txt").read_text(encoding="utf-8").splitlines())
    drawn |= set((out / "dev.txt").read_text(encoding="utf-8").splitlines())
    sms = (out / "real_sms.txt").read_text(encoding="utf-8").splitlines()
    assert len(sms) == 6 and set(sms) <= drawn
    assert not set(texts) & drawn  # never trained on a line the figures are measured on
    assert "See you at the bus stop at 29 pm" not in texts
    # 30 SMS: 6 in real.txt, 3 in dev.txt, one already known
    assert len(texts) == 30 - 6 - 3 - 1
    assert all(t.startswith("See you at the bus stop") for t in texts)  # no tweets


def test_a_line_the_safety_layers_would_answer_is_never_taught_as_everyday_talk() -> None:
    """An adult's "I am a burden for all" in the SMS is left out of the everyday examples."""
    assert real_text.worrying("Ok i wont call any one. I know all are avoiding me. I am a burden")
    assert real_text.worrying("he wants me to meet him today at 2 pm, dont tell my mum")
    assert not real_text.worrying("See you at the bus stop at 3 pm, bring the umbrella")
    sources = {"mesolitica": [], "tweeteval": [], "sms": ["I am a burden for all of you", "ok lah"]}
    sample = real_text.Sample({}, {}, {})
    kept = real_text.training_lines(sources, sample, set(), str.lower, real_text.worrying)
    assert kept == []  # the burden line is worrying, "ok lah" is under three words
    sources["sms"].append("see you at the mamak at 8")
    kept = real_text.training_lines(sources, sample, set(), str.lower, real_text.worrying)
    assert kept == ["see you at the mamak at 8"]


def test_known_texts_are_training_and_test_lines_but_the_file_being_rewritten(tmp_path) -> None:
    from components.text import normalise
    from tools.blind_eval import blind_texts
    from tools.check_data import known_texts

    head = 'version: "3.1"\nnlu:\n- intent: out_of_scope\n  examples: |\n'
    (tmp_path / "a.yml").write_text(head + "    - nasi lemak for lunch again\n", encoding="utf-8")
    (tmp_path / "sms.yml").write_text(head + "    - see you at the bus stop\n", encoding="utf-8")
    known = known_texts(tmp_path, exclude=tmp_path / "sms.yml")
    assert normalise("nasi lemak for lunch again") in known
    assert normalise("see you at the bus stop") not in known  # the file being rewritten
    a_blind_line = sorted(blind_texts())[0]
    assert normalise(a_blind_line) in known  # never trained on a test message
