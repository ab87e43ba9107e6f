"""Every button payload fits in a Telegram button: `tools/check_data.py` fails on one that
does not, naming the file and the payload, and agrees with what the front end sends."""

from __future__ import annotations

import yaml

from bot.telegram.keyboards import CALLBACK_DATA_LIMIT, PAYLOAD_LIMIT, CallbackStore
from tools import check_data

TOO_LONG = '/ask_parent_guidance{"topic":"what_to_do_when_a_pupil_discloses"}'


def test_the_check_and_the_front_end_agree_on_the_limit():
    assert check_data.CALLBACK_DATA_LIMIT == CALLBACK_DATA_LIMIT == 64
    assert check_data.PAYLOAD_LIMIT == PAYLOAD_LIMIT
    longest = "/" + "x" * (PAYLOAD_LIMIT - 1)
    data = CallbackStore().encode(longest)
    assert data is not None and len(data.encode()) == CALLBACK_DATA_LIMIT
    assert CallbackStore().encode(longest + "x") is None


def test_a_payload_too_long_for_a_button_fails_the_check(tmp_path):
    actions, content = tmp_path / "actions", tmp_path / "content"
    actions.mkdir()
    content.mkdir()
    # In domain.yml Rasa reads `{{` as `{`: counted as sent.
    escaped = TOO_LONG.replace("{", "{{").replace("}", "}}")
    domain = {"responses": {"utter_x": [{"text": "x", "buttons": [{"payload": escaped}]}]}}
    short = '/ask_parent_guidance{{"topic":"teacher"}}'
    domain["responses"]["utter_y"] = [{"text": "y", "buttons": [{"payload": short}]}]
    (actions / "menu.py").write_text(
        f"BUTTONS = [{{'title': 'Menu', 'payload': '/ask_help_menu'}}, "
        f"{{'title': 'Long', 'payload': '/ask_' + 'x'}}, {{'payload': {'/ask_' + 'y' * 60!r}}}]\n"
    )
    (content / "parents.yml").write_text(
        yaml.safe_dump({"topics": [{"buttons": [{"payload": "/" + "é" * 30}]}]})
    )
    problems = check_data.check_button_payloads(domain, "domain.yml", actions, content)
    assert len(problems) == 3, problems
    domain_problem, action_problem, content_problem = problems
    assert domain_problem.startswith("domain.yml: button payload")
    assert repr(TOO_LONG) in domain_problem and "at most 51" in domain_problem
    assert "menu.py: button payload '/ask_yyy" in action_problem
    assert "parents.yml: button payload" in content_problem and "61 bytes" in content_problem


def test_the_repository_payloads_all_fit():
    domain = yaml.safe_load(check_data.DOMAIN_FILE.read_text(encoding="utf-8"))
    assert (
        check_data.check_button_payloads(
            domain, "domain.yml", check_data.ACTIONS_DIR, check_data.CONTENT_DIR
        )
        == []
    )


def test_check_data_fails_on_it(tmp_path, capsys):
    from test_check_data import MS, make_project

    escaped = TOO_LONG.replace("{", "{{").replace("}", "}}")
    buttons = [{"title": "Long", "payload": escaped}]
    responses = {
        "utter_greet": [
            {"text": "Hi", "buttons": buttons},
            {"condition": MS, "text": "Hai", "buttons": buttons},
        ]
    }
    problems, _, _ = check_data.run_checks(**make_project(tmp_path, responses=responses))
    assert any("button payload" in p and TOO_LONG in p for p in problems), problems
