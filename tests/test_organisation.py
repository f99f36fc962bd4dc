"""Right for any organisation (issue 13): the organisation's country and the reply language's phone formats, order
numbers that are not phone numbers, and sign-offs that are, and aren't, a person's name."""

import pytest

from replyguard.checking.engine import Checker
from replyguard.checking.entities import make_detectors
from replyguard.checking.rules import load_rules
from replyguard.settings import DEFAULT_SETTINGS_TEXT, SettingsError, load_settings, parse_settings

DK_ORGANISATION = load_settings()
GB_ORGANISATION = parse_settings(DEFAULT_SETTINGS_TEXT.replace('country = "DK"', 'country = "GB"')
                                 .replace('phones = ["+45 70 20 30 40"]', 'phones = ["020 7946 0018"]'), "gb.toml")


@pytest.fixture(scope="module")
def checker():
    return Checker(load_rules(), DK_ORGANISATION)


def found(settings, entity: str, text: str, language: str | None) -> list[str]:
    return [text[a:b] for a, b in make_detectors(settings)[entity](text, {"language": language})]


def rule_ids(result) -> list[str]:
    return [finding.rule for finding in result.findings]


# --- the country setting

def test_the_organisations_country_is_denmark_by_default_and_shown_in_the_embedded_settings():
    assert DK_ORGANISATION.country == "DK"
    assert 'country = "DK"' in DEFAULT_SETTINGS_TEXT


def test_an_unknown_country_code_is_named_with_the_file():
    with pytest.raises(SettingsError, match=r"team\.toml: organisation\.country: unknown country code 'XX'"):
        parse_settings(DEFAULT_SETTINGS_TEXT.replace('country = "DK"', 'country = "XX"'), "team.toml")


def test_a_british_organisation_reads_its_own_national_number_as_its_own():
    assert GB_ORGANISATION.country == "GB"
    text = "Please call me on 020 7946 0018 or on +44 20 7946 0018."
    assert found(GB_ORGANISATION, "phone_number", text, "en") == ["020 7946 0018", "+44 20 7946 0018"]
    assert found(GB_ORGANISATION, "phone_number_not_own", text, "en") == []
    # in a Danish reply too: the organisation's country comes first whatever the language
    assert found(GB_ORGANISATION, "phone_number_not_own", "Ring til mig på 020 7946 0018.", "da") == []


def test_an_own_number_is_own_in_whichever_of_the_languages_countries_it_is_read():
    """'021 234 5678' in an English reply is an Irish number first (the first of the language's countries that reads
    it), and a New Zealand mobile too: an organisation with that New Zealand line must find it its own, and one
    without must not."""
    new_zealand_line = parse_settings(DEFAULT_SETTINGS_TEXT.replace(
        'phones = ["+45 70 20 30 40"]', 'phones = ["+45 70 20 30 40", "+64 21 234 5678"]'), "nz.toml")
    text = "Sorry Sam, we've only just seen this. Call 021 234 5678 and ask for me."
    assert found(new_zealand_line, "phone_number", text, "en") == ["021 234 5678"]
    assert found(new_zealand_line, "phone_number_not_own", text, "en") == []
    assert found(DK_ORGANISATION, "phone_number_not_own", text, "en") == ["021 234 5678"]


# --- national formats of the reply language's countries

@pytest.mark.parametrize("language, text, number", [
    ("en", "Call us on 0808 157 0192", "0808 157 0192"),
    ("en", "Please call me on (212) 555-0147", "(212) 555-0147"),
    ("en", "Ring our Dublin team on 01 555 0100", "01 555 0100"),
    ("en", "Give our Sydney office a call on (02) 5550 1234", "(02) 5550 1234"),
    ("en", "Call me on 07911 123456", "07911 123456"),
])
def test_national_numbers_of_the_languages_countries_are_read(language, text, number):
    assert found(DK_ORGANISATION, "phone_number", text, language) == [number]


def test_an_english_reply_with_a_british_or_american_number_gives_a_number_to_call(checker):
    for text in ("Hi Laura, I'm sorry your parcel is late. Call us on 0808 157 0192 and we'll find it. Thanks, Priya",
                 "Hi Tom, sorry the engineer didn't come. Please call me on (212) 555-0147 and I'll book a new visit. ^KM"):
        assert "offer-phone" not in rule_ids(checker.check(text, "en"))


def test_a_customers_national_number_is_personal_data(checker):
    text = "Hi Dan, sorry about yesterday. Our engineer will ring you back on 07911 123456 before noon. Thanks, Priya"
    result = checker.check(text, "en")
    assert [text[f.start:f.end] for f in result.findings if f.rule == "no-personal-data"] == ["07911 123456"]


@pytest.mark.parametrize("language, text", [
    ("da", "Det nye besøg er den 2024.03.12 mellem kl. 10.00-14.00."),
    ("da", "Huset er sat til 40 451 298 kr."),
    ("en", "Our price list said 40 451 298 DKK by mistake."),
    ("en", "Engineers visit on 2024.03.12, 08:00-20:00."),
])
def test_dates_times_and_prices_are_not_phone_numbers(language, text):
    assert found(DK_ORGANISATION, "phone_number", text, language) == []


# --- order, case, invoice and tracking numbers

@pytest.mark.parametrize("language, text", [
    ("da", "din ordre 40451298 er sendt i dag"),
    ("da", "Ordrenr. 22 33 44 55 er pakket"),
    ("da", "Sagsnummer: 28765432 er oprettet"),
    ("da", "Fakturanummer 22334455 er krediteret"),
    ("da", "Pakkenummer 31456789 står hos GLS"),
    ("da", "Booking 28765432 er flyttet"),
    ("en", "Your order number 4045 1298 left today"),
    ("en", "I've found invoice 22334455"),
    ("en", "Tracking number 31456789 shows it at the depot"),
    ("en", "Your case is 28765432"),
    ("en", "Ref: 22 33 44 55"),
])
def test_labelled_order_case_invoice_and_tracking_numbers_are_not_phone_numbers(language, text):
    assert found(DK_ORGANISATION, "phone_number", text, language) == []


def test_an_order_number_is_flagged_as_an_order_not_a_phone_number_and_gives_no_number_to_call(checker):
    text = "Hej Lone. Undskyld ventetiden. Din ordre 40451298 er sendt i dag. Ring endelig, hvis den ikke er fremme. Mvh Mette"
    result = checker.check(text, "da")
    assert "offer-phone" in rule_ids(result)
    [finding] = [f for f in result.findings if f.rule == "no-personal-data"]
    assert text[finding.start:finding.end] == "ordre 40451298" and finding.suggestions == ("din ordre",)


@pytest.mark.parametrize("language, text, callable_numbers", [
    ("en", "Hi Tess, sorry. He'll call you on 07911 123456 tomorrow morning. Best, Jonas", []),
    ("en", "Hi Rosa, sorry. Our scheduler will call you on (312) 555-0182, or you can call me on (212) 555-0147.",
     ["(212) 555-0147"]),
    ("en", "Hi Jack, we'll call you back, or ring us on 020 7946 0018 whenever suits.", ["020 7946 0018"]),
    ("da", "Hej Tove. Han ringer dig op på 31 42 53 64 i morgen. Mvh Jonas", []),
    ("da", "Hej Vibeke. Jeg har sat dit nummer 28 44 19 07 på vores ring-ikke-liste. Mvh Rikke", []),
    ("da", "Hej Tove. Du er velkommen til at ringe på 31 42 53 64. Mvh Jonas", ["31 42 53 64"]),
    ("da", "Hej Tove. Vi ringer dig op på 70 20 30 40, vores eget nummer. Mvh Jonas", ["70 20 30 40"]),
])
def test_a_number_introduced_as_the_customers_is_not_one_to_call(language, text, callable_numbers):
    assert found(DK_ORGANISATION, "phone_number_to_call", text, language) == callable_numbers


def test_a_reply_that_only_repeats_the_customers_number_still_gives_none_to_call(checker):
    text = "Hi Tess, I'm sorry the engineer didn't turn up. He'll call you on 07911 123456 tomorrow. Best, Jonas"
    result = checker.check(text, "en")
    assert {"offer-phone", "no-personal-data"} <= set(rule_ids(result))


# --- sign-offs

@pytest.mark.parametrize("language, text", [
    ("en", "Hi Laura, I'm sorry your parcel is late. Call us on 0808 157 0192 and we'll find it. Thanks, Priya"),
    ("en", "Hi Laura, I'm sorry your parcel is late. Call us on 0808 157 0192 and we'll find it. Thank you, Priya"),
    ("en", "@115712 Sorry about that, the correct item is on its way now. ^KM"),
    ("en", "@115712 Please shoot us a DM so that we can look into this for you. -KC"),
    ("en", "@115712 I would be glad to look into this for you.  *TMT https://t.co/6iDGBJAc2m"),
    ("en", "Sorry about the wait, the coffee's on us next time ☕ Alex"),
    ("da", "Hej Lone. Undskyld, at pakken er forsinket. Ring til os på 70 20 30 40, så finder vi den. Tak, Jens"),
    ("da", "Hej Lone. Undskyld, at pakken er forsinket. Ring til os på 70 20 30 40, så finder vi den. ^KM"),
    ("da", "Hej Lone. Undskyld. Vi refunderer dækskiftet, og næste service er på os. Bjarne, værkfører"),
])
def test_a_person_signs_with_thanks_and_a_name_or_initials(checker, language, text):
    assert "sign-with-name" not in rule_ids(checker.check(text, language))


@pytest.mark.parametrize("language, text", [
    ("da", "Hej Lone. Undskyld, at pakken er forsinket. Ring til os på 70 20 30 40. Mvh Byggemarkedet A/S"),
    ("da", "Hej Lone. Undskyld, at pakken er forsinket. Ring til os på 70 20 30 40. Venlig hilsen Tømrerfirmaet Jensen IVS"),
    ("da", "Hej Lone. Undskyld, at pakken er forsinket. Ring til os på 70 20 30 40. Venlig hilsen Byggeland"),
    ("da", "Hej Lone. Undskyld, at pakken er forsinket. Ring til os på 70 20 30 40. Mvh Flyt & Co"),
    ("da", "Hej Lone. Undskyld, at pakken er forsinket. Ring til os på 70 20 30 40. Mvh Fiberteamet"),
    ("en", "Hi Laura, sorry your parcel is late. Call us on 0808 157 0192. Kind regards, Northwind Trading Ltd"),
    ("en", "Hi Laura, sorry your parcel is late. Call us on 0808 157 0192. Regards, Acme Inc"),
    ("en", "Hi Laura, sorry your parcel is late. Call us on 0808 157 0192. Kind regards, Harbour Homes LLC"),
    ("en", "Hi Laura, sorry your parcel is late. Call us on 0808 157 0192. Regards, SkyBridge Customer Relations"),
    ("en", "Cheers Raj! Appreciate the review. The team at Bromley"),
])
def test_a_company_or_team_sign_off_is_not_a_person(checker, language, text):
    assert "sign-with-name" in rule_ids(checker.check(text, language))


def test_the_organisations_name_from_the_settings_is_not_a_person():
    settings = parse_settings(DEFAULT_SETTINGS_TEXT.replace('name = "Cykelhuset Demo ApS"', 'name = "Northwind"'),
                              "northwind.toml")
    checker = Checker(load_rules(), settings)
    signed = "Hi Laura, sorry your parcel is late. Call us on 0808 157 0192. Thanks, Priya"
    assert "sign-with-name" not in rule_ids(checker.check(signed, "en"))
    for text in ("Hi Laura, sorry your parcel is late. Call us on 0808 157 0192. Thanks, Northwind",
                 "Hej Lone. Undskyld, at pakken er forsinket. Ring til os på 70 20 30 40. Tak, Northwind"):
        assert "sign-with-name" in rule_ids(checker.check(text, "en" if text.startswith("Hi") else "da"))
