"""The situation changes the advice: the answered comment's kind, the thread's length and the complaint's age."""

from datetime import datetime, timedelta, timezone

import pytest

from conftest import write_settings
from replyguard import create_app
from replyguard.checking.engine import Checker
from replyguard.checking.rules import RuleError, default_rules_dir, load_rules
from replyguard.settings import DEFAULT_SETTINGS_TEXT, parse_settings

# One draft, a defensive answer that neither apologises nor moves the case to the phone.
DRAFT = {
    "da": "Hej Kim. Det passer ikke. Cyklen blev sendt mandag, som vi skrev. Mvh Mette",
    "en": "Hi Kim. That's not true. The bike was sent on Monday, as we wrote. Best, Mette",
}
COMPLAINTS = {
    "da": {
        "complaint": "Min cykel skulle have været her i fredags, og ingen svarer på mine mails. Det er for dårligt!",
        "troll": "Haha, hvem køber overhovedet cykler der? Det er jo skrammel hele vejen rundt 😂😂",
        "hateful": "Ham den fede idiot ved kassen burde fyres. Jeg ved godt, hvor han bor, så han skal passe på.",
        "question": "Hvornår åbner I om lørdagen i december?",
        "praise": "Tusind tak til Jonas for en super vejledning i lørdags. Kan varmt anbefales!",
    },
    "en": {
        "complaint": "My bike should have been here on Friday and nobody answers my emails. Not good enough!",
        "troll": "Lol who even buys bikes there? It's junk all the way round 😂😂",
        "hateful": "That fat idiot at the till should be fired. I know where he lives, so he'd better watch his back.",
        "question": "What time do you open on Saturdays in December?",
        "praise": "A big thank you to Jonas for great advice on Saturday. Highly recommend!",
    },
}


@pytest.fixture(scope="module")
def client():
    """One app for the module: building one loads the rules, templates and language models."""
    return create_app({"TESTING": True}).test_client()

def check(client, text, **context):
    response = client.post("/v1/check", json={"text": text, "context": context})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def rules_of(body) -> set[str]:
    return {finding["rule"] for finding in body["findings"]}


@pytest.mark.parametrize("language", ["da", "en"])
def test_same_draft_gets_different_advice_for_a_wronged_customer_a_troll_and_a_hateful_comment(client, language):
    wronged = check(client, DRAFT[language], complaint=COMPLAINTS[language]["complaint"])
    troll = check(client, DRAFT[language], complaint=COMPLAINTS[language]["troll"])
    hateful = check(client, DRAFT[language], complaint=COMPLAINTS[language]["hateful"])
    assert [body["complaint"]["kind"] for body in (wronged, troll, hateful)] == ["complaint", "troll", "hateful"]

    # A wronged customer is owed an apology; arguing back is not what the checker talks about there.
    assert "acknowledge-and-apologise" in rules_of(wronged) and "dont-feed-trolls" not in rules_of(wronged)
    # A troll: don't argue (the arguing sentence is marked), but still acknowledge the person.
    arguing = next(f for f in troll["findings"] if f["rule"] == "dont-feed-trolls")
    assert DRAFT[language][arguing["start"]:arguing["end"]] in ("Det passer ikke.", "That's not true.")
    assert "acknowledge-and-apologise" in rules_of(troll)
    # A hateful comment: no debate, and no apology demanded.
    assert "dont-feed-trolls" in rules_of(hateful) and "acknowledge-and-apologise" not in rules_of(hateful)


@pytest.mark.parametrize("language, reply, argued", [
    ("en", "Hi Kim. The bike was sent on Monday, as we wrote. Best, Mette", "The bike was sent on Monday, as we wrote."),
    ("da", "Hej Kim. Cyklen blev sendt mandag, som vi skrev. Mvh Mette", "Cyklen blev sendt mandag, som vi skrev."),
])
def test_a_troll_argued_with_in_words_no_pattern_knows_gets_the_arguing_sentence_marked(client, language, reply, argued):
    """The rule's phrases ("That's not true") catch few of the ways staff argue back; its model marks the sentence that
    sets a troll straight, and not the greeting beside it, which the model learnt from replies that open "Hi Kim,
    that's not true." (no model judges a reply's greeting). Answering a wronged customer, it says nothing."""
    troll = check(client, reply, complaint=COMPLAINTS[language]["troll"])
    marked = [(reply[f["start"]:f["end"]], f["message"]) for f in troll["findings"] if f["rule"] == "dont-feed-trolls"]
    assert [sentence for sentence, _ in marked] == [argued]
    assert marked[0][1].startswith(("This can read as arguing with a provocation:",
                                    "Det kan læses som at diskutere med en provokation:"))
    assert "dont-feed-trolls" not in rules_of(check(client, reply, complaint=COMPLAINTS[language]["complaint"]))


def test_a_long_calm_reply_is_too_much_for_a_troll_but_not_for_a_customer(client):
    reply = ("Hej Rasmus. Det er ærgerligt at læse. Vi har solgt cykler i over tyve år, og vores mekanikere tager på "
             "kursus hvert år. Alle elcykler bliver prøvekørt, før de bliver udleveret, og de får et eftersyn efter "
             "tre måneder. Vi har også almindelige cykler til dem, der hellere vil træde selv, og børnecykler i alle "
             "størrelser. Ring til os på 70 20 30 40, så viser vi dig rundt i butikken. Venlig hilsen Ahmad")
    troll = check(client, reply, complaint=COMPLAINTS["da"]["troll"])
    assert [(f["start"], f["insert"]) for f in troll["findings"] if f["rule"] == "dont-feed-trolls"] == [(None, "end")]
    assert "dont-feed-trolls" not in rules_of(check(client, reply, complaint=COMPLAINTS["da"]["complaint"]))


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_question_is_not_asked_for_an_apology_and_praise_is_asked_for_thanks(client, language):
    answer = {"da": "Vi har åbent fra 10 til 16 alle lørdage i december. Mvh Sara",
              "en": "We're open from 10 to 4 every Saturday in December. Best, Sara"}[language]
    question = check(client, answer, complaint=COMPLAINTS[language]["question"])
    assert question["complaint"]["kind"] == "question"
    assert {"acknowledge-and-apologise", "thank-for-praise"}.isdisjoint(rules_of(question))
    without_complaint = check(client, answer)  # no complaint sent: taken as a complaint, the usual case
    assert "complaint" not in without_complaint and "acknowledge-and-apologise" in rules_of(without_complaint)

    praise = check(client, answer, complaint=COMPLAINTS[language]["praise"])
    assert praise["complaint"]["kind"] == "praise"
    assert "thank-for-praise" in rules_of(praise) and "acknowledge-and-apologise" not in rules_of(praise)
    thanks = next(f for f in praise["findings"] if f["rule"] == "thank-for-praise")
    assert thanks["insert"] == "start"
    fixed = f"{thanks['suggestions'][0]} {answer}"
    assert "thank-for-praise" not in rules_of(check(client, fixed, complaint=COMPLAINTS[language]["praise"]))


@pytest.mark.parametrize("language, template_start", [
    ("da", "Du har ret i, at vi ikke kommer videre"), ("en", "You're right that we aren't getting anywhere"),
])
def test_first_and_fifth_reply_in_a_thread(client, language, template_start):
    first = check(client, DRAFT[language], staff_replies_in_thread=0)
    fifth = check(client, DRAFT[language], staff_replies_in_thread=4)
    assert "no-long-debate" not in rules_of(first)
    debate = next(f for f in fifth["findings"] if f["rule"] == "no-long-debate")
    assert debate["severity"] == "warning" and debate["insert"] == "replace"
    # The suggestion is the playbook's move-to-phone template, filled with the organisation's settings.
    template = debate["suggestions"][0]
    assert template.startswith(template_start) and "+45 70 20 30 40" in template and "{" not in template
    assert "no-long-debate" not in rules_of(check(client, template, staff_replies_in_thread=4))


# A line that mocks a customer who leaves, and wishes well one who just came.
LEAVING = {
    "da": ("God fornøjelse med den nye bank 👋", "Jeg lukker min konto efter tredje gebyr. Farvel.",
           "Har lige flyttet mit lån til jer, super nemt, tak!"),
    "en": ("Enjoy the new bank then 👋", "I'm closing my account after the third fee this month. Done with you.",
           "Just switched my mortgage to you, smoothest process ever, thanks!"),
}


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_same_line_is_a_dig_at_a_complaint_and_warm_wishes_to_praise(client, language):
    """The tone model reads the kind of comment answered (model.sentence_features); sent without it, the line is
    read by its own words."""
    line, complaint, praise = LEAVING[language]
    assert "kind-tone" in rules_of(check(client, line, complaint=complaint))
    assert "kind-tone" in rules_of(check(client, line))
    assert "kind-tone" not in rules_of(check(client, line, complaint=praise))


# Lines whose words are hostile to a customer who complains and kind to one who praises (the patterns'
# not_answering): capitals and "!!!" that shout or celebrate a record, "people like you" that sneers or compliments.
HOSTILE_TO_COMPLAINTS_ONLY = {
    "capitals-da": ("SEJT!!! 🎉 Så tæt har ingen været i år. Mvh Sofie",
                    "Jeres escape room er alt for svært, vi nåede det ikke og fik ingen hjælp. Det er for dårligt!",
                    "Vi klarede jeres escape room med 4 sekunder tilbage! Bedste aften længe, tak!"),
    "capitals-en": ("FOUR SECONDS!!! 🎉 Nobody has cut it that close all year. ^Sofie",
                    "Your escape room is far too hard, we didn't make it and got no help at all. Not good enough!",
                    "We beat your escape room with 4 seconds to spare! Best night out in ages, thank you!"),
    "like-you-da": ("Det er kunder som dig, der holder os i gang. Mvh Sofie",
                    "Jeres kaffe var kold, og damen ved kassen var sur. Aldrig igen!",
                    "Bedste kaffe i byen, og så søde folk bag disken. Tak for i dag!"),
    "like-you-en": ("Customers like you are why we open the doors every morning. ^Sofie",
                    "Your coffee was cold and the woman on the till was rude. Never again!",
                    "Best coffee in town, and such lovely people behind the counter. Thanks for today!"),
}


@pytest.mark.parametrize("case", HOSTILE_TO_COMPLAINTS_ONLY)
def test_a_pattern_hostile_to_a_complaint_does_not_count_in_answer_to_praise(client, case):
    """The shouting and people-like-you patterns don't count in answer to praise (their not_answering), nor does
    the tone model there; sent without its comment, the line is read as before."""
    line, complaint, praise = HOSTILE_TO_COMPLAINTS_ONLY[case]
    found = [f for f in check(client, line, complaint=complaint)["findings"] if f["rule"] == "kind-tone"]
    assert found and found[0]["severity"] == "error"
    assert "kind-tone" in rules_of(check(client, line))
    answered = check(client, line, complaint=praise)
    assert answered["complaint"]["kind"] == "praise" and "kind-tone" not in rules_of(answered)


@pytest.mark.parametrize("kinds", ["[compliment]", "praise", "[]", "[{praise: 1}]", "null"])
def test_a_pattern_that_does_not_count_for_a_kind_names_kinds_that_exist(tmp_path, kinds):
    rule = (default_rules_dir() / "kind-tone.yml").read_text(encoding="utf-8").replace("not_answering: [praise]",
                                                                                     f"not_answering: {kinds}", 1)
    (tmp_path / "kind-tone.yml").write_text(rule, encoding="utf-8")
    with pytest.raises(RuleError, match=r"not_answering: must list some of hateful, troll, praise, question, complaint"):
        load_rules(tmp_path)


def posted(ago: timedelta) -> str:
    return (datetime.now(timezone.utc) - ago).isoformat()


@pytest.mark.parametrize("language, week_old", [("da", "Klagen er 1 uge gammel"), ("en", "The complaint is 1 week old")])
def test_a_complaint_from_ten_minutes_ago_and_from_last_week(client, language, week_old):
    fresh = check(client, DRAFT[language], complaint_posted_at=posted(timedelta(minutes=10)))
    assert "respond-promptly" not in rules_of(fresh)

    late = check(client, DRAFT[language], complaint_posted_at=posted(timedelta(days=7, hours=2)))
    finding = next(f for f in late["findings"] if f["rule"] == "respond-promptly")
    old_praise = check(client, DRAFT[language], complaint_posted_at=posted(timedelta(days=7)),
                       complaint=COMPLAINTS[language]["praise"])
    assert "respond-promptly" not in rules_of(old_praise)  # the response time is for complaints
    assert finding["severity"] == "warning" and finding["message"].startswith(week_old)
    apologised = f"{finding['suggestions'][0]} {DRAFT[language]}"
    assert "respond-promptly" not in rules_of(check(client, apologised, complaint_posted_at=posted(timedelta(days=7))))


@pytest.mark.parametrize("hours, severity, age", [(1.9, None, None), (5.5, "info", "5 timer"), (25, "warning", "1 dag"),
                                                  (50, "warning", "2 dage")])
def test_just_late_is_information_and_a_day_late_a_warning(checker, hours, severity, age):
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    context = {"complaint_posted_at": (now - timedelta(hours=hours)).isoformat()}
    found = [f for f in checker.check(DRAFT["da"], "da", context, now=now).findings if f.rule == "respond-promptly"]
    assert [f.severity for f in found] == ([severity] if severity else [])
    if age:
        assert found[0].message.startswith(f"Klagen er {age} gammel")


def test_the_response_time_comes_from_the_settings(rules):
    settings = parse_settings(DEFAULT_SETTINGS_TEXT + "\n[checker.thresholds.respond-promptly]\ncomplaint_age_hours = 8\n",
                              "test")
    checker = Checker(rules, settings)
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)

    def severities(hours):
        context = {"complaint_posted_at": (now - timedelta(hours=hours)).isoformat()}
        return [f.severity for f in checker.check(DRAFT["en"], "en", context, now=now).findings
                if f.rule == "respond-promptly"]

    assert severities(5) == [] and severities(9) == ["info"] and severities(97) == ["warning"]


@pytest.mark.parametrize("context, words", [
    ({"complaint_posted_at": "2026-11-22T09:30:00"}, "needs a time zone"),
    ({"complaint_posted_at": "2999-01-01T00:00:00Z"}, "in the future"),
    ({"complaint_posted_at": "9999-12-31T23:59:59-14:00"}, "in the future"),
    ({"complaint": 7}, "'context.complaint' must be a string"),
    ({"complaint": "x" * 10_001}, "limit of 10000 characters"),
])
def test_bad_context_gets_a_clear_json_error(client, context, words):
    response = client.post("/v1/check", json={"text": "Hej Lone", "context": context})
    assert response.status_code in (400, 413) and words in response.get_json()["error"]["message"]


@pytest.mark.parametrize("language, title, start", [
    ("da", "Når tråden bliver lang", "Du har ret i"),
    ("en", "When the thread gets long", "You're right that"),
])
def test_templates_are_the_playbooks_filled_with_the_settings(tmp_path, language, title, start):
    settings = write_settings(tmp_path / "team.toml")
    text = open(settings, encoding="utf-8").read().replace('phones = ["+45 70 20 30 40"]', 'phones = ["+45 33 12 12 12"]')
    text = text.replace('staff = ["Mette", "Jonas", "Sara", "Ahmad"]', 'staff = ["Ida"]')
    open(settings, "w", encoding="utf-8").write(text)
    client = create_app({"SETTINGS_FILE": settings}).test_client()
    body = client.get(f"/v1/templates?language={language}").get_json()
    ids = [template["id"] for template in body["templates"]]
    assert ids == sorted(ids) and "move-to-phone" in ids and "troll" in ids
    move = next(template for template in body["templates"] if template["id"] == "move-to-phone")
    assert move["title"] == title and move["text"].startswith(start) and move["situation"]
    assert "+45 33 12 12 12" in move["text"] and "Ida" in move["text"] and "{" not in move["text"]


def test_templates_language_is_checked(client):
    response = client.get("/v1/templates?language=sv")
    assert response.status_code == 400 and "'language' must be one of da, en" in response.get_json()["error"]["message"]
    assert client.get("/v1/templates").get_json()["templates"][0]["title"]  # Danish by default


RULE = """id: situational
severity: info
principle: trolls
title: {da: T, en: T}
flags: {da: F, en: F}
message: {da: M, en: M}
why: {da: W, en: W}
check:
  kind: metric
  limits: [{metric: complaint_age_hours, max: 2}]
examples: {da: {bad: [], good: []}, en: {bad: [], good: []}}
"""


@pytest.mark.parametrize("change, words", [
    ("when: {complaint: [trolls]}", "when.complaint: must list some of"),
    ("when: {mood: angry}", "when: must be a mapping of complaint"),
    ("when: {staff_replies_in_thread: 2}", "when.staff_replies_in_thread: must be {min"),
    ("suggest_template: Move To Phone", "suggest_template: must be a template id"),
])
def test_broken_situation_fields_name_file_and_field(tmp_path, change, words):
    (tmp_path / "situational.yml").write_text(RULE + change + "\n", encoding="utf-8")
    with pytest.raises(RuleError, match=words):
        load_rules(tmp_path)


@pytest.mark.parametrize("old, new, words", [
    ("max: 2}", "max: 2, escalate: {times: 12, severity: info}}", "more serious than the rule's severity info"),
    ("max: 2}", "max: 2, escalate: {times: 1, severity: warning}}", "escalate.times: must be a number above 1"),
    ("{metric: complaint_age_hours, max: 2}", "{metric: words, max: 2}", "{age} needs a limit on the metric"),
])
def test_escalation_and_message_placeholders_are_validated(tmp_path, old, new, words):
    rule = RULE.replace("{da: M, en: M}", "{da: 'Klagen er {age} gammel', en: 'It is {age} old'}").replace(old, new)
    (tmp_path / "situational.yml").write_text(rule, encoding="utf-8")
    with pytest.raises(RuleError, match=words):
        load_rules(tmp_path)


def test_a_rule_naming_a_missing_template_stops_the_start(tmp_path):
    (tmp_path / "situational.yml").write_text(RULE + "suggest_template: no-such-template\n", encoding="utf-8")
    with pytest.raises(RuleError, match="situational.yml: suggest_template: no template 'no-such-template'"):
        Checker(load_rules(tmp_path), parse_settings(DEFAULT_SETTINGS_TEXT, "test"))
