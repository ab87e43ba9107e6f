"""The facts check: every phone number, address, opening hours and law section a user sees is
vouched for by knowledge/sources.yml, and the repository reads nothing outside itself."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.content.knowledge import (
    KNOWLEDGE_FILE,
    Knowledge,
    KnowledgeError,
    Pending,
    knowledge,
    parse_knowledge,
)
from tools import check_facts
from tools.check_facts import Text, check, extract, js_strings, user_texts

ROOT = Path(__file__).resolve().parent.parent


def keys(text: str, kind: str | None = None) -> list[str]:
    return [f.key for f in extract(text) if kind is None or f.kind == kind]


def problems_in(text: str, file: str = "domain.yml", book: Knowledge | None = None) -> list[str]:
    return check(ROOT, book or knowledge(), texts=[Text(file, "responses.utter_x[0].text", text)])


# --- the repository ---------------------------------------------------------------------------


def test_every_user_visible_text_is_sourced():
    problems = check(ROOT)
    assert not problems, "\n".join(problems)


def test_the_check_reads_every_kind_of_text():
    files = {t.file for t in user_texts(ROOT)}
    for expected in (
        "domain.yml",
        "actions/referrals.yml",
        "bot/core/messages.yml",
        "content/quiz.yml",
        "content/scenarios.yml",
        "content/parents.yml",
        "bot/web/static/index.html",
        "bot/web/static/app.js",
        "bot/telegram/turns.py",
        "bot/web/server.py",
    ):
        assert expected in files, expected
    found = {f.key for t in user_texts(ROOT) for f in extract(t.text)}
    assert {"999", "15999", "0192615999", "1800182327", "aduan.skmm.gov.my", "24h"} <= found


def test_no_file_reads_a_path_outside_the_repository():
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    folder = "sha" + "red"  # spelled in two parts so this line does not match itself
    outside = re.compile(rf"\.\./{folder}|/{folder}/knowledge|/work/|/\s*[\"']{folder}[\"']")
    me = Path(__file__).resolve().relative_to(ROOT).as_posix()
    hits = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if name == me or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images
        for number, line in enumerate(text.splitlines(), 1):
            if outside.search(line):
                hits.append(f"{name}:{number}: {line.strip()}")
    assert not hits, "files that point outside the repository:\n" + "\n".join(hits)


def test_the_cli_passes_and_names_problems(capsys, monkeypatch):
    assert check_facts.main([]) == 0
    assert capsys.readouterr().out.startswith("check_facts: OK (")
    monkeypatch.setattr(check_facts, "check", lambda *a, **k: ["domain.yml: x: phone '1'"])
    assert check_facts.main([]) == 1
    assert "domain.yml: x: phone '1'" in capsys.readouterr().out


# --- the knowledge base -----------------------------------------------------------------------


def test_knowledge_base_is_complete_and_valid():
    book = knowledge()
    assert len(book.items) >= 40
    for item in book.items.values():
        assert item.checked in (dt.date(2026, 11, 28), dt.date(2026, 11, 30)), item.id
        assert item.source and all(s.startswith(("http://", "https://")) for s in item.source)
    assert not check_facts.unrecognised_values(book)
    statuses = {item.status for item in book.items.values()}
    assert statuses == {"verified", "dated", "unverified", "conflict"}
    for item_id in ("talian_kasih", "police_999", "buddy_bear", "mcmc", "take_it_down"):
        assert book.items[item_id].stateable, item_id
    rule = book.items["child_protection_code_under16"]
    assert (
        rule.status == "verified" and "16" in rule.claim and "Online Safety Act 2025" in rule.values
    )
    assert book.pending == (), "values pending review: their texts' owners must source them"


def test_withheld_values_are_never_vouched():
    allowed = check_facts.vouched(knowledge())
    assert "0379563488" in allowed.withheld["phone"]  # the old WAO number, in conflict
    assert "act 666" in allowed.withheld["law"]  # a newspaper's typo for Act 866
    assert "0376272929" not in allowed.stated["phone"]  # Befrienders KL, unverified


@pytest.mark.parametrize(
    "change, message",
    [
        (("status", "confirmed"), "field 'status' must be one of"),
        (("source", ["a newspaper"]), "field 'source' must be URLs"),
        (("checked", "last week"), "field 'checked' must be a date"),
        (("id", "Talian Kasih"), "field 'id' must be lower_snake_case"),
        (("values", "15999"), None),  # one text is read as a list of one
        (("hotline", "15999"), "field 'hotline' is not a known field"),
    ],
)
def test_a_broken_item_fails_naming_item_and_field(change, message):
    data = yaml.safe_load(KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    item = next(i for i in data["items"] if i["id"] == "talian_kasih")
    item[change[0]] = change[1]
    if message is None:
        assert parse_knowledge(data).items["talian_kasih"].values == ("15999",)
        return
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        parse_knowledge(data)


def test_ids_are_unique():
    data = yaml.safe_load(KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    data["items"].append(dict(data["items"][0]))
    with pytest.raises(KnowledgeError, match="is used twice"):
        parse_knowledge(data)


# --- the check fails on what is not sourced ---------------------------------------------------


def test_a_new_unsourced_number_fails_naming_file_and_text():
    problems = problems_in("Call Talian Kasih on 15999, or our new line 03-2612 0000.")
    assert len(problems) == 1
    assert problems[0].startswith("domain.yml: responses.utter_x[0].text: phone '03-2612 0000'")
    assert "our new line 03-2612 0000" in problems[0]


def test_a_number_added_to_a_copy_of_a_real_file_fails(tmp_path):
    (tmp_path / "bot" / "core").mkdir(parents=True)
    shutil.copy(ROOT / "bot" / "core" / "messages.yml", tmp_path / "bot" / "core" / "messages.yml")
    assert check(tmp_path, knowledge()) == []
    path = tmp_path / "bot" / "core" / "messages.yml"
    data = path.read_text(encoding="utf-8")
    new = data.replace("Call {police.phone}.", "Call {police.phone} or 991.", 1)  # 999 or 991
    path.write_text(new, encoding="utf-8")
    (problem,) = check(tmp_path, knowledge())
    assert problem.startswith("bot/core/messages.yml: safe_fallback.en: phone '991'")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Email help@jaga-helpline.my for advice.", "email"),
        ("See https://www.example.org/help for more.", "url"),
        ("Visit bantuan-kanak.gov.my today.", "url"),
        ("Open 9am to 5pm on weekdays.", "hours"),
        ("Sextortion is a crime (Act 792 s.15C).", "law"),
        ("It is an offence under the Penal Code (s.509).", "law"),
        ("The Communications and Multimedia Act 2001 says so.", "law"),
        ("Akta 793 melindungi kanak-kanak.", "law"),
        ("WhatsApp +6012 345 6789 for help.", "phone"),
        ("Call 1-800-22-5555 now.", "phone"),
        ("Dial 991 if you are in danger.", "phone"),
    ],
)
def test_each_kind_of_unsourced_value_fails(text, kind):
    problems = problems_in(text)
    assert len(problems) == 1 and f": {kind} " in problems[0], problems


def test_an_unverified_or_conflict_value_fails_even_though_it_is_listed():
    (problem,) = problems_in("Befrienders KL: 03-7627 2929.")
    assert "befrienders_phone" in problem and "unverified or conflict" in problem
    (problem,) = problems_in("The Online Safety Act (Act 666) protects children.")
    assert "online_safety_act_666" in problem


def test_a_value_pending_review_passes_until_its_owner_fixes_it():
    book = knowledge()
    text = "New line: 03-2612 0000."
    assert problems_in(text, book=book)
    waiting = Knowledge(book.items, (Pending("03-2612 0000", "domain.yml utter_x", "no source"),))
    assert problems_in(text, book=waiting) == []


def test_a_reference_to_a_missing_item_fails(tmp_path):
    (tmp_path / "domain.yml").write_text(
        "responses:\n  # source: knowledge talian_kasih, no_such_item\n"
        "  utter_x:\n    - text: 'Talian Kasih 15999'\n",
        encoding="utf-8",
    )
    (problem,) = check(tmp_path, knowledge())
    assert problem == "domain.yml:2: knowledge item 'no_such_item' does not exist"


def test_a_referral_must_match_the_item_it_cites(tmp_path):
    (tmp_path / "actions").mkdir()
    data = yaml.safe_load((ROOT / "actions" / "referrals.yml").read_text(encoding="utf-8"))
    kasih = next(s for s in data["services"] if s["id"] == "talian_kasih")
    kasih["knowledge"] = "buddy_bear"
    (tmp_path / "actions" / "referrals.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    problems = check_facts.check_referrals(knowledge(), tmp_path)
    assert any("'talian_kasih': source" in p and "'buddy_bear'" in p for p in problems)
    assert any("'talian_kasih': phone '15999' is not a value of" in p for p in problems)


# --- extraction -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1. Stop chatting with them.\n2. Never meet someone you only know online.",
        "Buddy Bear is for children under 18; StopNCII is for 18 or older.",
        "A 16-year-old in Kulai; Aina, 13; Danial, 15 (Form 3).",
        "Up to 3 years in jail, a fine up to RM5,000 or RM500,000.",
        "I can send you 1,000 credits. Pay RM500 tonight. You have 1 hour.",
        "Since 2022, and added in 2023; checked 2026-11-28.",
        "It ran at 851 locations and reached 344 schools.",
        "Quick round (10) · steps 3-4 · 24 மணி · 100% sure",
        "forty laughing emojis in ten minutes, 4 Cs, K-pop",
    ],
)
def test_everyday_numbers_are_not_read_as_facts(text):
    assert [f for f in extract(text) if f.kind in ("phone", "url", "email", "law")] == []
    assert problems_in(text) == []


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("Call 999.", "phone", ["999"]),
        ("999 jika kecemasan", "phone", ["999"]),
        ("In danger now: **999**", "phone", ["999"]),
        ("Talian Kasih 15999 24 小时", "phone", ["15999"]),
        ("WhatsApp 019-261 5999, 24 hours", "phone", ["0192615999"]),
        ("+60 19-261 5999", "phone", ["0192615999"]),
        ("1-800-18-2327, 12pm–12am", "phone", ["1800182327"]),
        ("on 1800 188 030 (8.30am–5.30pm)", "phone", ["1800188030"]),
        ("+603 3000 8858", "phone", ["0330008858"]),
        ("12pm to 12am", "hours", ["12pm to 12am"]),
        ("12 tengah hari hingga 12 tengah malam", "hours", ["12pm to 12am"]),
        ("(12 tgh hari – 12 malam)", "hours", ["12pm to 12am"]),
        ("8.30 pagi – 5.30 petang", "hours", ["8.30am to 5.30pm"]),
        ("8:30 am - 5:30 pm", "hours", ["8.30am to 5.30pm"]),
        ("24 hours, 24 jam, 24h, a 24-hour line", "hours", ["24h"] * 4),
        ("https://www.takeitdown.ncmec.org/.", "url", ["takeitdown.ncmec.org"]),
        ("StopNCII.org (stopncii.org)", "url", ["stopncii.org", "stopncii.org"]),
        ("aduan.skmm.gov.my, or", "url", ["aduan.skmm.gov.my"]),
        ("E-mail Cyber999@CyberSecurity.my.", "email", ["cyber999@cybersecurity.my"]),
        ("(Act 792, s.19)", "law", ["act 792", "act 792 s.19"]),
        ("Akta 792 ... (seksyen 15B)", "law", ["act 792", "act 792 s.15B"]),
        ("the Communications and Multimedia Act (s.233)", "law", ["act 588 s.233"]),
        ("Penal Code ss.507B-507F", "law", ["penal code s.507B", "penal code s.507F"]),
        ("Section 11 of the law", "law", ["s.11"]),
        ("the Online Safety Act 2025", "law", ["safety act 2025"]),
        ("Akta Keselamatan Dalam Talian 2025", "law", ["akta talian 2025"]),
    ],
)
def test_values_are_found_and_normalised(text, kind, expected):
    assert keys(text, kind) == expected


def test_links_built_at_run_time_and_local_addresses_are_not_facts():
    assert keys("https://t.me/{}?start=child") == []
    assert keys("Jaga classroom chat: http://127.0.0.1:{}/") == []


def test_javascript_strings_skip_regexes_comments_and_template_expressions():
    source = """
    // call 991 (a comment)
    const LINK_RE = /(https?:\\/\\/[^\\s<>"')]+)/gi;
    const t = { help: "In danger now: **999**", wa: ' · WhatsApp 019-261 5999' };
    el.style.width = `${Math.min(4, 240)}px and 15999`;
    const ratio = a / b; const s = "after a division";
    """
    strings = [text for _, text in js_strings(source)]
    assert "In danger now: **999**" in strings and " · WhatsApp 019-261 5999" in strings
    assert " px and 15999" in strings and "after a division" in strings
    assert not any("991" in s or "240" in s for s in strings)


def test_python_docstrings_are_skipped_and_fstrings_read(tmp_path):
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "x.py").write_text(
        '"""Call 991 says the docstring."""\n'
        'def f(n):\n    """Also 992."""\n    return f"Call 993 or {n}" + "or 994"\n',
        encoding="utf-8",
    )
    texts = [t.text for t in user_texts(tmp_path)]
    assert texts == ["Call 993 or {}", "or 994"]


def test_html_text_and_links_are_read(tmp_path):
    (tmp_path / "bot" / "web" / "static").mkdir(parents=True)
    (tmp_path / "bot" / "web" / "static" / "index.html").write_text(
        '<p>Call <b>999</b></p><a href="https://stopncii.org">x</a>'
        '<script>var x = "991";</script><a href="/static/a.css">y</a>',
        encoding="utf-8",
    )
    texts = [t.text for t in user_texts(tmp_path)]
    assert texts == ["Call ", "999", "https://stopncii.org", "x", "y"]
