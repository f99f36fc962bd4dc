"""Engine behaviour beyond single rules: settings, broken rule files, offsets as JavaScript counts them, languages."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from replyguard import create_app
from replyguard.checking.classify import load_complaint_kinds
from replyguard.checking.engine import Checker
from replyguard.checking.entities import DATE_OR_TIME, _email_addresses, _in_handle, _labelled_or_amount, make_detectors
from replyguard.checking.language import lingua_language, sample_of, sure_language
from replyguard.checking.rules import RuleError, default_rules_dir, load_rules
from replyguard.settings import DEFAULT_SETTINGS_TEXT, LANGUAGES, SettingsError, load_settings, parse_settings
from replyguard.checking.templates import load_templates
from replyguard.checking.text import Measured

from conftest import apply_suggestion

OFFER = "Hej Lone. Det er vi kede af. Du får et gavekort. Ring på 70 20 30 40. Mvh Mette"


def settings_with(extra: str, replace: tuple[str, str] | None = None):
    text = DEFAULT_SETTINGS_TEXT if not replace else DEFAULT_SETTINGS_TEXT.replace(*replace)
    return parse_settings(text + "\n" + extra, "test.toml")


def rule_ids(result):
    return [f.rule for f in result.findings]


@pytest.mark.parametrize("toml, words", [
    ("[organisation\nname=", "not valid TOML"),
    ("", "organisation.name is missing"),
    ('[organisation]\nname = "X"\nphones = "70 20 30 40"', "organisation.phones must be a list of strings"),
    ('[organisation]\nname = "X"\n[checker]\ndefault_language = "sv"', "checker.default_language must be da, en or auto"),
    ('[organisation]\nname = "X"\n[checker.thresholds.keep-it-short]\nwords = "many"', "checker.thresholds.keep-it-short.words must be a number"),
])
def test_bad_settings_name_the_field(toml, words):
    with pytest.raises(SettingsError, match=words.replace(".", r"\.")):
        parse_settings(toml, "team.toml")


@pytest.mark.parametrize("change, words", [
    (("disabled_rules = []", 'disabled_rules = ["no-such-rule"]'), "unknown rule 'no-such-rule'"),
    (("[playbook]", "[checker.thresholds.no-public-compensation]\nwords = 3\n[playbook]"), "has no limit on words"),
    (("[playbook]", '[checker.extra_phrases.no-public-compensation]\nda = ["(unclosed"]\n[playbook]'),
     "not a valid regular expression"),
])
def test_settings_naming_unknown_rules_or_metrics_stop_the_start(rules, change, words):
    with pytest.raises(SettingsError, match=words):
        Checker(rules, parse_settings(DEFAULT_SETTINGS_TEXT.replace(*change), "team.toml"))


def test_disabled_rule_and_extra_phrases_take_effect(rules):
    plain = Checker(rules, load_settings())
    assert "no-public-compensation" in rule_ids(plain.check(OFFER, "da"))
    disabled = Checker(rules, parse_settings(DEFAULT_SETTINGS_TEXT.replace(
        "disabled_rules = []", 'disabled_rules = ["no-public-compensation"]'), "team.toml"))
    assert "no-public-compensation" not in rule_ids(disabled.check(OFFER, "da"))
    # No pattern names cinema tickets: the compensation model may only warn about them, an organisation's own
    # phrase makes them an error.
    tickets = "Hej Lone. Det er vi kede af. Vi sender dig to biografbilletter. Ring på 70 20 30 40. Mvh Mette"

    def compensation_severities(checker):
        return {f.severity for f in checker.check(tickets, "da").findings if f.rule == "no-public-compensation"}

    assert compensation_severities(plain) <= {"warning"}
    extra = Checker(rules, settings_with('[checker.extra_phrases.no-public-compensation]\nda = ["biografbilletter?"]'))
    assert compensation_severities(extra) == {"error"}


@pytest.mark.parametrize("field, content, words", [
    ("id", "id: other-name", "must equal the file name"),
    ("severity", "severity: fatal", "severity: must be one of error, warning, info"),
    ("check.patterns", "check: {kind: present, patterns: {da: ['(unclosed']}}", "not a valid regular expression"),
    ("message", "message: {da: Kun dansk}", "message: must give a text for both da and en"),
])
def test_broken_rule_file_is_a_start_up_error_naming_file_and_field(tmp_path, field, content, words):
    rules_dir = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules_dir)
    rule = rules_dir / "no-public-compensation.yml"
    key = field.split(".")[0]
    lines = rule.read_text(encoding="utf-8").split("\n")
    start = next(n for n, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next(n for n in range(start + 1, len(lines)) if lines[n] and not lines[n].startswith(" "))
    rule.write_text("\n".join(lines[:start] + [content] + lines[end:]), encoding="utf-8")
    with pytest.raises(RuleError, match=rf"no-public-compensation\.yml: .*{words.split(':')[-1].strip()[:20]}"):
        create_app({"RULES_DIR": str(rules_dir)})
    with pytest.raises(RuleError, match=key):
        load_rules(rules_dir)


def test_offsets_match_javascript_string_indices(checker):
    """The extension slices the field's text with these offsets: check them against JavaScript itself."""
    node = shutil.which("node")
    assert node, "node is needed (make test installs it with the extension's test tools)"
    texts = [
        "😡😡 Hej Lone! Du får et gavekort. Mvh Mette",
        "Hej Zoë 👩‍👩‍👧, velkommen. Du får pengene tilbage. Mvh Jonas",
        "Søren 🇩🇰. Vi giver 20 % rabat! /Sara",
        "Hi Lone 🙏🏽! Here's a gift card for you. Best, Mette",
    ]
    expected = json.loads(subprocess.check_output([node, "-e", """
        const texts = JSON.parse(process.argv[1]);
        const offers = ["Du får et gavekort.", "Du får pengene tilbage.", "Vi giver 20 % rabat!", "Here's a gift card for you."];
        console.log(JSON.stringify(texts.map((t, i) => [t.indexOf(offers[i]), t.indexOf(offers[i]) + offers[i].length])));
    """, json.dumps(texts)], text=True))
    for text, (start, end) in zip(texts, expected):
        offer = next(f for f in checker.check(text, "auto").findings if f.rule == "no-public-compensation")
        assert (offer.start, offer.end) == (start, end), text


@pytest.mark.parametrize("text, language", [
    ("Tak!", "da"), ("Thanks!", "en"), ("Det er vi kede af.", "da"), ("Sorry to hear that.", "en"),
    ("Hej Søren, undskyld ventetiden. Ring til os. /Mette", "da"),
    ("Hi Søren, sorry for the wait. Please call us. /Mette", "en"),
])
def test_auto_language_gets_short_replies_right(checker, text, language):
    assert checker.check(text, "auto").language == language


# Real English company replies and the complaints they answer, kept outside the repository (for measuring only).
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-replies.jsonl"


def texts_in_known_languages() -> list[tuple[str, str]]:
    """(text, language): every rule example, template and its complaint, complaint-kind example, and the corpus
    when it is on this machine."""
    settings = load_settings()
    texts = [(example.text, example.language) for rule in load_rules() for example in rule.examples]
    for template in load_templates():
        texts += [(template.fill(lang, settings), lang) for lang in LANGUAGES]
        texts += [(template.complaint[lang], lang) for lang in LANGUAGES]
    texts += [(text, lang) for kind in load_complaint_kinds() for lang in LANGUAGES for text in kind.examples[lang]]
    if CORPUS.is_file():
        pairs = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts += [(pair[field], "en") for pair in pairs for field in ("reply", "complaint")]
    return texts


def test_function_words_decide_only_where_lingua_says_the_same():
    """The shortcut before lingua must never change an answer: wherever it decides, lingua agrees."""
    samples = [sample_of(text) for text, _ in texts_in_known_languages()]
    differing = [(sample, decided) for sample in samples
                 if (decided := sure_language(sample)) and decided != lingua_language(sample)]
    assert differing == []


def test_function_words_decide_most_replies_and_leave_mixed_ones_to_lingua():
    for lang in LANGUAGES:
        examples = [text for text, language in texts_in_known_languages() if language == lang]
        decided = [text for text in examples if sure_language(sample_of(text)) == lang]
        assert len(decided) >= 0.8 * len(examples), lang
    assert sure_language("Hi Lone, tak for din besked. We will call you i morgen.") is None
    assert sure_language("Tak!") is None  # too few words to be sure: lingua decides


def test_same_text_same_findings(checker):
    assert checker.check(OFFER, "auto") == checker.check(OFFER, "auto")


def test_rule_files_ship_from_the_playbook_folder():
    assert default_rules_dir() == (Path(__file__).resolve().parent.parent / "playbook" / "rules")


def test_overlapping_patterns_and_entities_of_one_rule_give_one_finding(tmp_path):
    """An order number that also reads as a phone number is one thing to fix, not two findings."""
    (tmp_path / "order-numbers.yml").write_text(r"""
id: order-numbers
severity: error
principle: take-it-offline
title: {da: Ordrenumre, en: Order numbers}
flags: {da: Ordrenumre., en: Order numbers.}
message: {da: Fjern ordrenummeret., en: Remove the order number.}
why: {da: Det er kundens data., en: It is the customer's data.}
check:
  kind: present
  entities: [phone_number_not_own]
  patterns: {any: ['ordre(?:nummer| nr\.)? \d+']}
examples: {da: {bad: [], good: []}, en: {bad: [], good: []}}
""", encoding="utf-8")
    checker = Checker(load_rules(tmp_path), load_settings())
    text = "Hej Lone. Vi har fundet ordre nr. 48213977 og ringer til 22 33 44 55 i dag. Mvh Mette"
    spans = [(f.start, f.end) for f in checker.check(text, "da").findings]
    order, phone = text.index("ordre nr. 48213977"), text.index("22 33 44 55")
    assert spans == [(order, order + len("ordre nr. 48213977")), (phone, phone + len("22 33 44 55"))]


def test_organisation_words_placeholder_names_each_word_of_the_configured_name(tmp_path):
    """A sign-off by 'Cykelhuset' alone is the company, not a person; a pattern needs the name's words to tell."""
    (tmp_path / "company-sign-off.yml").write_text(r"""
id: company-sign-off
severity: info
principle: one-owner
title: {da: Firmaets hilsen, en: Company sign-off}
flags: {da: Firmaets navn som hilsen., en: The company's name as a sign-off.}
message: {da: Skriv under med dit navn., en: Sign with your name.}
why: {da: Kunden vil tale med en person., en: The customer wants to talk to a person.}
check:
  kind: present
  patterns: {any: ['hilsen (?:{organisation_words})']}
examples: {da: {bad: [], good: []}, en: {bad: [], good: []}}
""", encoding="utf-8")
    rules = load_rules(tmp_path)
    demo = Checker(rules, load_settings())
    assert rule_ids(demo.check("Ring til os. Venlig hilsen Cykelhuset", "da")) == ["company-sign-off"]
    assert rule_ids(demo.check("Ring til os. Venlig hilsen Demo ApS", "da")) == ["company-sign-off"]
    assert rule_ids(demo.check("Ring til os. Venlig hilsen Mette", "da")) == []
    other = Checker(rules, settings_with("", replace=('name = "Cykelhuset Demo ApS"', 'name = "Mette Cykler A/S"')))
    assert rule_ids(other.check("Ring til os. Venlig hilsen Mette", "da")) == ["company-sign-off"]
    assert rule_ids(other.check("Ring til os. Venlig hilsen Cykelhuset", "da")) == []


def test_a_sign_off_that_ends_like_a_danish_noun_is_the_company_unless_it_is_a_first_name_or_staff(rules):
    """sign-with-name: "Mvh Køreskolen" is the company; "Mvh Søren" (a first name that ends so) is a person, and so is a
    name the settings list for staff, though no name list knows it."""
    reply = "Hej Lone. Undskyld, at timen blev aflyst. Ring til os på 70 20 30 40, så finder vi en ny tid. Mvh "
    demo = Checker(rules, load_settings())
    assert "sign-with-name" in rule_ids(demo.check(reply + "Køreskolen", "da"))
    assert "sign-with-name" not in rule_ids(demo.check(reply + "Søren", "da"))
    assert "sign-with-name" in rule_ids(demo.check(reply + "Wren", "da"))
    staffed = Checker(rules, settings_with("", replace=('staff = ["Mette", "Jonas", "Sara", "Ahmad"]',
                                                        'staff = ["Wren", "Mette"]')))
    assert "sign-with-name" not in rule_ids(staffed.check(reply + "Wren", "da"))
    assert "sign-with-name" in rule_ids(staffed.check(reply + "Køreskolen", "da"))


def test_threshold_setting_overrides_a_rule_limit(rules):
    """An organisation that allows longer replies raises keep-it-short's word limit in its settings."""
    reply = "Hej Lone. " + "Vi er kede af, at pakken kom for sent, og vi finder ud af hvorfor, så det ikke sker igen. " * 6 + "Mvh Mette"
    assert "keep-it-short" in rule_ids(Checker(rules, load_settings()).check(reply, "da"))
    relaxed = Checker(rules, settings_with("[checker.thresholds.keep-it-short]\nwords = 150"))
    assert "keep-it-short" not in rule_ids(relaxed.check(reply, "da"))


@pytest.mark.parametrize("text, numbers", [
    ("Ring til mig på 22 33 44 55 i dag", ["22 33 44 55"]),
    ("Ring på (+45) 22-33-44-55 eller +45 70 20 30 40", ["(+45) 22-33-44-55", "+45 70 20 30 40"]),
    ("Call me on +44 7911 123456", ["+44 7911 123456"]),
    ("@116470 Sorry about order 48213 from 2024", []),
    # a handle and a number after it, which phonenumbers reads together as a Danish mobile number
    ("@217905 92 % til tiden i maj", []),
    ("@229109 25 mins?! Sorry", []),
])
def test_phone_numbers_are_found_however_they_are_written(text, numbers):
    detectors = make_detectors(load_settings())
    assert [text[start:end] for start, end in detectors["phone_number"](text, {})] == numbers


PHONE_PIECES = st.sampled_from([
    "22 33 44 55", "22334455", "2233 4455", "22-33-44-55", "22.33.44.55", "22\u00a033\u00a044\u00a055", "22–33–44–55",
    "+45 22 33 44 55", "(+45) 22 33 44 55", "+4522334455", "0045 22 33 44 55", "+44 7911 123456", "+1 (415) 555-0132",
    "+43 1234", "+ 43 1 234 567", "70 20 30 40", "22 33 44 55 ext. 12", "22 33 44 55 x 7", "22 33 44 55/56",
    "48213977", "010190-1234", "12.05.2024", "12/05/2024", "kl. 14:30", "14:30", "20 %", "$120", "1.200 kr.",
    "@116470", "order 48213", "ab22334455", "22334455cd", "2", "24", "365", "2024", "1999-2024", "07:30-20:00",
    "11/02/2017", "@117287 @115913",
])
FILLER = st.sampled_from([" ", "  ", "\n", ", ", ". ", " (", ") ", ": ", " - ", "-", "/", "", "\u00a0", " og ", " or ",
                          " Ring på ", " call ", "Hej Lone. ", " tak", "x", "#", "%", "€", "@", " @"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PHONE_PIECES, FILLER), max_size=14).map("".join))
def test_phone_numbers_are_those_phonenumbers_finds_in_the_whole_text(text):
    """The detector reads only the text around likely numbers; that must find exactly the numbers, at exactly the
    places, that phonenumbers finds reading the whole reply (less the dates, amounts, labelled order numbers and
    numbers that begin in a handle, which the detector leaves out on purpose)."""
    whole = [(match.start, match.end) for match in
             phonenumbers.PhoneNumberMatcher(text, "DK", leniency=phonenumbers.Leniency.VALID)
             if not DATE_OR_TIME.fullmatch(match.raw_string) and not _labelled_or_amount(text, match.start, match.end)
             and not _in_handle(text, match.start)]
    assert make_detectors(load_settings())["phone_number"](text, {}) == whole


def test_sentences_end_at_end_marks_and_line_breaks_not_at_abbreviations_or_initials():
    text = "Hej Lone!\nDet koster 200 kr. om måneden, f.eks. her. Mr. Smith og J. Hansen ringer?! Tak… Vi ses\n"
    measured = Measured(text)
    assert [text[s.start:s.end] for s in measured.sentences] == [
        "Hej Lone!", "Det koster 200 kr. om måneden, f.eks. her.", "Mr. Smith og J. Hansen ringer?!", "Tak…", "Vi ses"]
    assert [s.words for s in measured.sentences] == [2, 9, 6, 1, 2]
    assert len(measured.words) == 20
    assert measured.metric("longest_sentence_words") == 9


def test_a_sentence_ending_in_a_contraction_ends_at_its_full_stop():
    text = "I'm sorry it wasn't. We'll refit it, and we didn’t. Call me."
    assert [text[s.start:s.end] for s in Measured(text).sentences] == [
        "I'm sorry it wasn't.", "We'll refit it, and we didn’t.", "Call me."]


def test_emoji_after_a_sentence_end_belong_to_the_sentence_they_close():
    text = "Tillykke, Sofie! 🎉 Vi ses. 🙂👍🏻\nDet er 200 kr. 😊 om måneden. Mvh Jo"
    assert [text[s.start:s.end] for s in Measured(text).sentences] == [
        "Tillykke, Sofie! 🎉", "Vi ses. 🙂👍🏻", "Det er 200 kr. 😊 om måneden.", "Mvh Jo"]


def test_emoji_with_no_end_mark_before_them_end_a_sentence_when_a_capital_letter_follows():
    text = "Vi elsker jer ❤️ og glæder os. Holdet er flyttet til mandag 🙄 Dine næste to timer 👍🏻 👍 Vi ses 🙂 Mvh Jo"
    assert [text[s.start:s.end] for s in Measured(text).sentences] == [
        "Vi elsker jer ❤️ og glæder os.", "Holdet er flyttet til mandag 🙄", "Dine næste to timer 👍🏻 👍", "Vi ses 🙂",
        "Mvh Jo"]


def test_a_finding_that_marks_a_sentence_does_not_begin_with_the_last_ones_emoji(checker):
    """Staff close a sentence with an emoji ("Tak for tålmodigheden! 🙏"); the underline of the next sentence must
    start at its first word."""
    text = "Hej Lone. Tak for tålmodigheden! 🙏 Du får 20 % rabat på din næste ordre. Mvh Mette"
    units = text.encode("utf-16-le")
    marked = [units[2 * f.start:2 * f.end].decode("utf-16-le")
              for f in checker.check(text, "da").findings if f.rule == "no-public-compensation"]
    assert marked == ["Du får 20 % rabat på din næste ordre."]


def test_a_sentence_finding_after_an_emoji_with_no_end_mark_marks_only_its_own_sentence(checker):
    text = "Hej Sam, holdet blev flyttet til mandag 🙄 Du får 20 % rabat på din næste ordre. Mvh Mette"
    units = text.encode("utf-16-le")
    marked = [units[2 * f.start:2 * f.end].decode("utf-16-le")
              for f in checker.check(text, "da").findings if f.rule == "no-public-compensation"]
    assert marked == ["Du får 20 % rabat på din næste ordre."]


@pytest.mark.parametrize("text, language, marked, fixed", [
    ("@115712 Sorry about that, please DM us your order number ^JK", "en",
     "Sorry about that, please DM us your order number",
     "@115712 Please give us a call on +45 70 20 30 40 and we'll take it from there. ^JK"),
    ("@115712 @AldiUK Sorry, drop us a DM with the order number and we'll check 🙂 -Jo", "en",
     "Sorry, drop us a DM with the order number and we'll check 🙂",
     "@115712 @AldiUK Please give us a call on +45 70 20 30 40 and we'll take it from there. -Jo"),
    ("Hej Kasper. Send os en PM med ordrenummeret /Lone", "da", "Send os en PM med ordrenummeret",
     "Hej Kasper. Ring til os på +45 70 20 30 40, så tager vi den derfra. /Lone"),
], ids=["initials", "two handles, an emoji and a name", "Danish"])
def test_a_fix_that_replaces_a_sentence_keeps_the_handles_it_opens_with_and_the_sign_off(
        checker, text, language, marked, fixed):
    """A Twitter reply's first and last sentence hold its address and its signature: clicking call-dont-write's fix
    replaced them with the rest ("@115712 Sorry ... ^JK" became a reply to nobody, signed by no one)."""
    [finding] = [f for f in checker.check(text, language).findings if f.rule == "call-dont-write"]
    units = text.encode("utf-16-le")
    assert units[2 * finding.start:2 * finding.end].decode("utf-16-le") == marked
    assert apply_suggestion(text, finding.start, finding.end, finding.insert, finding.suggestions[0]) == fixed


def test_a_models_sentence_is_marked_without_the_address_and_the_signature(checker):
    text = "@115712 Is the TV on mute? Half our tickets are that 🙂 ^JK"
    [finding] = [f for f in checker.check(text, "en", {"complaint": "My TV has no sound, your box is useless"}).findings
                 if f.rule == "kind-tone"]
    units = text.encode("utf-16-le")
    assert units[2 * finding.start:2 * finding.end].decode("utf-16-le") == "Half our tickets are that 🙂"
    # The message quotes the words to blame (or the whole line, when its shape weighs most), never the signer.
    quoted = re.search(r'"([^"]+)"', finding.message).group(1)
    assert quoted in "Half our tickets are that 🙂" and "JK" not in finding.message


SIMPLE_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b1", "æ_", ".", "+", "-", "@", " ", "x.dk", "\n"]), max_size=12).map("".join))
@example("a@x.dk@x.dk")  # a domain running into the next '@': one address, as the pattern reads it
@example("lone@x.dk.b@y.dk")
def test_email_addresses_are_what_the_plain_pattern_finds(text):
    """Finding addresses from their '@' is only quicker: it finds exactly what local@domain.tld finds."""
    assert _email_addresses(text) == [match.span() for match in SIMPLE_EMAIL.finditer(text)]


def test_email_addresses_other_than_the_organisations_are_found():
    detectors = make_detectors(load_settings())
    text = "@116470 Skriv til kundeservice@cykelhuset-demo.dk eller lone.hansen+ordre@gmail.com."
    assert [text[start:end] for start, end in detectors["email_address_not_own"](text, {})] == ["lone.hansen+ordre@gmail.com"]


@pytest.mark.parametrize("language, kind, hostile", [
    ("en", "Hi Jordan, sorry it was late. Use code SORRYJORDAN next time. Vinni", "Hi Jordan, WE ARE NOT A CHARITY. Vinni"),
    ("da", "Hej Kristian. Brug koden TAKKRISTIAN næste gang. Mvh Sanne", "Hej Kristian. VI ER IKKE EN VELGØRENHED. Mvh Sanne"),
    ("en", "You're not an idiot, it happens heaps! The charge is reversed within 72 hours.", "Honestly, you are an idiot."),
    ("en", "We're so sorry to hear of your loss. Call me on 0161 496 0000. Sam", "WE ARE NOT STUPID. Please be civil."),
    ("da", "Du er ikke dum, det sker for mange. Mvh Jonas", "Du er dum. Mvh Jonas"),
    ("en", "Being told to calm down while your dog was ill is awful, and I'm sorry. Sam", "Calm down, it's a sofa. Sam"),
    ("da", "Hej Sune. Indtil da kan du gemme via FILER > UDSKRIV > GEM SOM PDF. Mvh Jo",
     "Hej Sune. DET STÅR I VEJLEDNINGEN. Mvh Jo"),
    ("en", "Hi Sune, until then you can go to FILE > PRINT > SAVE AS PDF. Jo", "Hi Sune, IT IS IN THE MANUAL. Jo"),
])
def test_kind_tone_patterns_leave_codes_comfort_and_reported_words_alone(checker, language, kind, hostile):
    """Error-level tone findings are the patterns' (the model only warns): a code given in capitals, "you're not an
    idiot", condolences, what the customer was told and a menu path in capitals are look-alikes; said to the customer,
    the same words are not."""
    def pattern_findings(text):
        return [f for f in checker.check(text, language).findings if f.rule == "kind-tone" and f.severity == "error"]
    assert not pattern_findings(kind)
    assert pattern_findings(hostile)


@pytest.mark.parametrize("language, text, kind_words", [
    # found by the model alone
    ("en", "Hi Sam. We are investigating the matter. Thanks, Jo", "with no next step"),
    ("da", "Hej Sam. Vi arbejder hele tiden på at blive bedre og tager alle henvendelser alvorligt. Mvh Jo",
     "en standardsætning, der ikke svarer på sagen"),
    # found by the rule's patterns, whose own suggestions stay
    ("en", "Hi Sam. Deliveries are handled by our courier partner, so they are the ones to speak to. Thanks, Jo",
     "passing the case on to someone else"),
    ("en", "Hi Sam. We're sorry if you feel let down. Thanks, Jo", "an apology that isn't one"),
    ("da", "Hej Sam. Det kan vi desværre ikke kommentere på. Mvh Jo", "som om I ikke vil tale om sagen"),
])
def test_a_dodge_is_named_by_its_kind_with_what_to_do_instead(checker, language, text, kind_words):
    """no-dodging's model tells which kind of dodge a flagged sentence is, and the message names it and says what to
    do instead, whether the model or a pattern found the sentence; staff learn more from "passing the case on" than
    from "dodges the problem"."""
    [finding] = [f for f in checker.check(text, language).findings if f.rule == "no-dodging"]
    assert kind_words in finding.message
    units = text.encode("utf-16-le")
    quoted = re.search(r': "(.+?)"\. ', finding.message).group(1)  # the kind's own wording may quote too
    assert quoted in units[2 * finding.start:2 * finding.end].decode("utf-16-le")


def test_a_pattern_keeps_its_own_suggestion_when_its_message_names_the_kind(checker):
    text = "Hi Sam. We're sorry if you feel let down. Thanks, Jo"
    [finding] = [f for f in checker.check(text, "en").findings if f.rule == "no-dodging"]
    rule = next(r for r in load_rules() if r.id == "no-dodging")
    pattern = next(p for p in rule.check["patterns"]["en"] if isinstance(p, dict) and "sorry" in p["pattern"]
                   and re.search(p["pattern"], text, re.I))
    assert finding.suggestions == tuple(pattern["suggest"])


THREAT_DA = "Hej Tom. Hvis anmeldelsen ikke er væk på fredag, hører du fra vores advokat. Mvh Anna"


def kind_tone_with_confidence(tmp_path, confidence: str) -> Checker:
    """A checker whose kind-tone names a kind from `confidence` on, the rest of the rule as shipped."""
    rule = (default_rules_dir() / "kind-tone.yml").read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^(      confidence: ).*$", rf"\g<1>{confidence}", rule)
    assert changed != rule
    (tmp_path / "kind-tone.yml").write_text(changed, encoding="utf-8")
    return Checker(load_rules(tmp_path), load_settings())


def test_a_dig_is_named_by_its_kind_only_where_the_model_is_sure_enough(tmp_path):
    """kind-tone names the kind of dig and what to do about it ("a threat": keep lawyers out of a public reply) only
    where its kind model is at least the rule's confidence sure; below it, the message names no kind, since the
    labellers themselves often named neighbouring kinds differently and a wrong kind would mislead."""
    def message(checker):
        [finding] = [f for f in checker.check(THREAT_DA, "da").findings if f.rule == "kind-tone"]
        assert finding.kind == ("threat" if "trussel" in finding.message else None)  # for the API's clients
        return finding.message

    shipped = message(Checker(load_rules(), load_settings()))
    assert shipped.startswith('Det kan læses som en trussel: "') and "advokater" in shipped
    # Sure past any probability the model gives (a lawyer named in a threat reads as one at over 0.99).
    assert message(kind_tone_with_confidence(tmp_path, "{da: 0.999999, en: 0.999999}")).startswith(
        'Det kan læses som fjendtligt eller nedladende: "')
    assert message(kind_tone_with_confidence(tmp_path, "{da: 0.0, en: 0.0}")) == shipped


def test_a_patterns_finding_names_a_kind_where_the_model_is_sure_and_else_keeps_the_rules_message(tmp_path):
    """A pattern that names no kind of its own ("what a surprise" mocks or talks down, depending on the rest) makes a
    finding that names the kind of its sentence and quotes the match where the kind model is sure enough; where it
    isn't, it shows the rule's own message, which the playbook page shows as the reply box's."""
    text = "Hi Sam. Well, what a surprise. Anna"

    def message(confidence):
        checker = kind_tone_with_confidence(tmp_path, confidence)
        [finding] = [f for f in checker.check(text, "en").findings if f.rule == "kind-tone"]
        assert finding.severity == "error"  # the pattern's, not the model's warning
        assert (finding.kind is None) == (finding.message == rule.message["en"])
        return finding.message

    rule = next(rule for rule in load_rules() if rule.id == "kind-tone")
    assert message("{da: 0.99, en: 0.99}") == rule.message["en"]
    named = message("{da: 0.0, en: 0.0}")
    assert named.startswith("This can read as ") and ': "what a surprise". ' in named and named != rule.message["en"]


@pytest.mark.parametrize("language, text, kind, cue", [
    ("en", "Hi Sam. You're an idiot. Anna", "insult", "idiot"),
    ("da", "Hej Tom. Din anmeldelse er sendt videre til vores advokat. Mvh Anna", "threat", "til vores advokat"),
    ("en", "Hi Sam. As clearly stated on the booking page, it closes at six. Anna", "condescension", "As clearly stated"),
])
def test_a_pattern_names_the_kind_its_rule_file_gives_it_even_where_the_model_is_unsure(tmp_path, language, text,
                                                                                         kind, cue):
    """A pattern the rule's author gave a kind (`kind: insult`) names that kind, with what to do instead, whatever the
    kind model makes of the sentence: what an insult or a lawyer means needs no guess."""
    checker = kind_tone_with_confidence(tmp_path, "{da: 0.99, en: 0.99}")  # the kind model never sure enough
    [finding] = [f for f in checker.check(text, language).findings if f.rule == "kind-tone"]
    rule = next(rule for rule in load_rules() if rule.id == "kind-tone")
    assert finding.message == rule.check["model"]["kinds"]["message"][kind][language].replace("{cue}", cue)
    assert finding.severity == "error" and finding.kind == kind


@pytest.mark.parametrize("change, problem", [
    (lambda text: text.replace("        kind: insult\n", "        kind: sarcasm\n", 1),
     r"kind-tone\.yml: check\.patterns\.da\[\d+\]\.kind: must be one of the kinds the model has messages for: "
     r"mockery, condescension"),
    (lambda text: text.replace("      - '(?:ikke|aldrig) (?:din|jeres) (?:egen )?skyld'\n",
                               "      - {pattern: '(?:ikke|aldrig) (?:din|jeres) (?:egen )?skyld', kind: blame}\n"),
     r"check\.unless\.da\[0\]\.kind: only the patterns of a rule whose model tells kinds may name one"),
])
def test_a_patterns_kind_must_be_one_the_rule_has_a_message_for(tmp_path, change, problem):
    """A kind with no message (a typo), or on a pattern that flags nothing itself (unless), stops the start rather
    than showing a finding without its kind's advice."""
    rule = (default_rules_dir() / "kind-tone.yml").read_text(encoding="utf-8")
    assert change(rule) != rule
    (tmp_path / "kind-tone.yml").write_text(change(rule), encoding="utf-8")
    with pytest.raises(RuleError, match=problem):
        load_rules(tmp_path)


@pytest.mark.parametrize("confidence, problem", [
    ("{da: 1.5, en: 0.8}", r"check\.model\.kinds\.confidence\.da: must be a number from 0 up to 1"),
    ("{da: 0.8}", r"check\.model\.kinds\.confidence\.en: must be a number from 0 up to 1"),
    ("high", r"check\.model\.kinds: needs model, confidence"),
])
def test_a_kind_models_confidence_must_be_a_probability_for_each_language(tmp_path, confidence, problem):
    with pytest.raises(RuleError, match=problem):
        kind_tone_with_confidence(tmp_path, confidence)


def test_a_kind_the_model_tells_without_a_title_stops_the_start(tmp_path):
    """The title names the kind on the rule's page and in the team's insights."""
    rule = (default_rules_dir() / "kind-tone.yml").read_text(encoding="utf-8")
    without = rule.replace("        threat: {da: Trusler, en: Threats}\n", "")
    assert without != rule
    (tmp_path / "kind-tone.yml").write_text(without, encoding="utf-8")
    with pytest.raises(RuleError, match=r"check\.model\.kinds\.title\.threat\.da: must be a short name for the kind"):
        load_rules(tmp_path)


def test_a_kind_the_model_tells_without_a_message_stops_the_start(tmp_path):
    rule = (default_rules_dir() / "no-dodging.yml").read_text(encoding="utf-8")
    without = re.sub(r"\n        policy:\n(?:          .*\n){2}", "\n", rule)
    assert without != rule
    (tmp_path / "no-dodging.yml").write_text(without, encoding="utf-8")
    with pytest.raises(RuleError, match=r"check\.model\.kinds\.message\.policy\.da: must be a text with \{cue\}"):
        load_rules(tmp_path)
