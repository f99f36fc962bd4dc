"""The replyguard command as a team uses it in scripts: lint a saved reply, read the result, rely on the exit code."""

import json
import subprocess
import sys

import pytest

from replyguard.cli import main

OFFER = "Hej Lone. Det er vi kede af. Du får et gavekort. Ring på 70 20 30 40. Mvh Mette"


def run_cli(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "replyguard.cli", *args], input=stdin, capture_output=True, text=True)


def test_check_prints_the_marked_text_message_suggestion_and_link(capsys):
    assert main(["check", OFFER]) == 1
    out = capsys.readouterr().out
    assert "no-public-compensation" in out
    assert "«Du får et gavekort.»" in out
    assert "→ Ring til os på +45 70 20 30 40, så finder vi en løsning sammen." in out
    assert "http://127.0.0.1:8000/playbook/rules/no-public-compensation/" in out
    assert out.strip().splitlines()[-1].startswith("block: 1 error")


def test_check_json_from_a_file(tmp_path, capsys):
    reply = tmp_path / "template.txt"
    reply.write_text(OFFER, encoding="utf-8")
    assert main(["check", "--file", str(reply), "--json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["verdict"] == "block" and body["language"] == "da"
    offer = next(f for f in body["findings"] if f["rule"] == "no-public-compensation")
    assert OFFER[offer["start"]:offer["end"]] == "Du får et gavekort."


def test_check_reads_standard_input_and_exits_0_without_errors():
    result = run_cli("check", "--language", "en", stdin="Thanks for the kind words, Anna! See you soon. Best, Jonas")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.splitlines()[-1].split(":")[0]


def test_check_reads_standard_input_for_a_dash():
    """`replyguard check -` reads the reply piped in, as other tools do, rather than checking the text "-"."""
    result = run_cli("check", "--language", "da", "--json", "-", stdin=OFFER)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no-public-compensation" in {finding["rule"] for finding in json.loads(result.stdout)["findings"]}


def test_check_reads_the_reply_as_an_answer_to_the_complaint_given(capsys):
    """The same words wish a customer who praised the move well, and mock one who is leaving in anger."""
    reply = "Enjoy the new bank then 👋"
    assert main(["check", "--language", "en", "--json", "--complaint",
                 "Love the new bank app, the transfer took two seconds!", reply]) == 0
    praised = json.loads(capsys.readouterr().out)
    assert praised["complaint"]["kind"] == "praise"
    assert "kind-tone" not in {finding["rule"] for finding in praised["findings"]}
    assert main(["check", "--language", "en", "--complaint", "I'm leaving you for another bank after this mess.",
                 reply]) == 0
    out = capsys.readouterr().out
    assert "kind-tone  (line 1, column 1)" in out
    assert out.strip().splitlines()[-1].endswith("(language: en; the comment answered reads as complaint)")


@pytest.mark.parametrize("args, stdin, words", [
    (["check"], "   ", "the reply is empty"),
    (["check", "--complaint", " ", "Hej"], "", "the complaint is empty"),
    (["check", "--file", "/no/such/reply.txt"], "", "cannot read the reply"),
    (["check", "--config", "/no/such/settings.toml", "Hej"], "", "cannot read settings file"),
    (["check", "--language", "sv", "Hej"], "", "invalid choice"),
])
def test_bad_input_gets_a_message_and_non_zero_exit(args, stdin, words):
    result = run_cli(*args, stdin=stdin)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_broken_settings_file_before_starting(tmp_path):
    settings = tmp_path / "team.toml"
    settings.write_text('[organisation]\nname = "X"\n[checker]\ndisabled_rules = ["nope"]\n', encoding="utf-8")
    result = run_cli("serve", "--config", str(settings), "--port", "0")
    assert result.returncode == 2
    assert "unknown rule 'nope'" in result.stderr and "Traceback" not in result.stderr


def test_serve_serves_the_site_the_package_carries_unless_site_dir_names_another(tmp_path, monkeypatch):
    from replyguard import cli
    from replyguard.web import access_log, playbook_site

    packaged, own = tmp_path / "packaged", tmp_path / "own"
    for folder in (packaged, own):
        folder.mkdir()
        (folder / "index.html").write_text(f"the {folder.name} site")
    monkeypatch.setattr(playbook_site, "packaged_dir", lambda name: packaged)  # only ever asked for "site"
    monkeypatch.setattr(access_log, "send_to", lambda stream: None)
    started = []
    monkeypatch.setattr(cli, "run_gunicorn", lambda app, bind, **options: started.append(app))
    assert main(["serve", "--port", "0"]) == 0
    assert main(["serve", "--port", "0", "--site-dir", str(own)]) == 0
    assert [app.test_client().get("/playbook/").get_data(as_text=True) for app in started] == [
        "the packaged site", "the own site"]


def test_rules_lists_every_rule(rules, capsys):
    assert main(["rules", "--language", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [rule.id for rule in rules]
    assert any("Never offer compensation in public" in line for line in lines)
