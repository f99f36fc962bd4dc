"""Things in a reply that a pattern can't judge alone: phone numbers and e-mail addresses, own or someone else's."""

import re
from collections.abc import Callable
from functools import cache

import phonenumbers

from ..settings import Settings

# phonenumbers is thorough but slow, so it only reads the text around a run of digits that could be a number: eight
# digits (a Danish number) or a +country code, so short order numbers and handles like @116470 don't start it. The
# digits may be split by anything phonenumbers reads as punctuation (spaces, non-breaking spaces, dashes, dots, ...),
# never by '@', which it doesn't: "@117287 @115913" is two handles, and read as one number in an English reply's seven
# countries it cost more than the rest of the check. A first digit right after '@' begins no candidate; that is asked
# after the digit ((?<!@\d)), so both branches begin with a character to match and the regex engine tries only at those
# (the same matches, a third less time).
PHONE_CANDIDATE = re.compile(r"[+＋][^\w\n\t\r@]*\d(?:[^\w\n\t\r@]*\d){4,}|\d(?<!@\d)(?:[^\w\n\t\r@]*\d){7,}")
# How far around a candidate phonenumbers reads: room for a leading '(' and a trailing extension ('ext. 12').
PHONE_MARGIN = 20
# An e-mail address is found by its '@' and domain (a quick search for '@'), then read back to its local part.
EMAIL_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
EMAIL_LOCAL_CHARACTERS = frozenset("_.+-")
# National numbers (no +country code) are read in the organisation's country first ([organisation] country), then
# in the countries where the reply's language is usually written, so a British number in an English reply is read
# even for a Danish organisation. The first country that reads a stretch as a valid number decides it.
LANGUAGE_REGIONS = {"da": ("DK",), "en": ("GB", "US", "IE", "CA", "AU", "NZ")}
# A number right after one of these words is an order, case, invoice, tracking or booking number, not a phone number
# ("din ordre 40451298", "order no. 020 7946 0018", "sagsnummer: 22334455").
NUMBER_LABEL = re.compile(
    r"(?<!\w)(?:ordre|ordren|ordrenummer|ordrenummeret|ordrenr|ordre-nr|bestilling|bestillingen|bestillingsnummer|"
    r"sag|sagen|sagsnummer|sagsnummeret|sagsnr|sags-nr|faktura|fakturaen|fakturanummer|fakturanummeret|fakturanr|"
    r"pakke|pakken|pakkenummer|pakkenummeret|pakkenr|forsendelse|forsendelsen|forsendelsesnummer|sporingsnummer|"
    r"sporingsnummeret|sporingsnr|trackingnummer|trackingnummeret|track-and-trace-nummer|booking|bookingen|"
    r"bookingnummer|bookingnummeret|bookingnr|bookingreference|reservation|reservationen|reservationsnummer|"
    r"kundenummer|kundenr|kontonummer|kontonr|medlemsnummer|billet|billetnummer|reference|referencenummer|ref|"
    r"order|case|invoice|tracking|parcel|consignment|shipment|ticket|confirmation|claim|account|membership|policy|"
    r"receipt|transaction|serial|rma)"
    r"\.?(?:[ \t]?(?:nr|no|num|number|nummer|numbers|id|ref|reference|code|kode))?\.?[ \t]*(?:[:#]|er|is|lyder på|was)?"
    r"[ \t]*#?[ \t]*$", re.IGNORECASE)
# Words that make the number after them the customer's own, not one to call: "we'll call you on 07700 900123",
# "han ringer til dig på 22 33 44 55", "dit nummer 28 44 19 07". Read in the same sentence, up to the number.
CUSTOMERS_NUMBER = re.compile(
    r"(?<!\w)(?:"
    r"(?:call|ring|phone|text|reach|contact|try)(?:s|ed|ing)? you(?: back)?|"
    r"your (?:own |home |work |mobile |cell |phone |contact |registered )*(?:number|no\.?|mobile|phone|cell)|"
    r"(?:ringe|ringer|ringet|kontakte|kontakter|fange|fanger|træffe|træffer|sms'e|sms'er)"
    r"(?: (?:dig|jer)(?: (?:op|tilbage))?| tilbage til (?:dig|jer)| til (?:dig|jer))|"
    r"(?:dit|jeres) (?:mobil|telefon|tlf\.?|kontakt)?(?:nummer|nr\.)|din mobil"
    r")(?: (?:today|tomorrow|tonight|this (?:morning|afternoon|evening)|later|i dag|i morgen|i eftermiddag|i aften))?"
    r"(?: (?:on|at|is|ending in|på|er))?[ \t:]*$", re.IGNORECASE)
# Words that make the number after them one the customer is to call: "call me on 020 7946 0000", "my direct line is",
# "ring til mig på 22 33 44 55", "mit direkte nummer er". Such a number is a member of staff's or a team's own line,
# even when the settings don't list it, so it is nobody's personal data made public.
NUMBER_TO_CALL = re.compile(
    r"(?<!\w)(?:"
    r"(?:call|ring|phone|text|reach|contact|try|get hold of) (?:me|us|our [\w-]+(?: team)?)(?: directly| direct)?|"
    r"(?:my|our) (?:direct |own |mobile |work |office |phone |contact )*(?:line|number|no\.?|mobile|phone)|"
    r"(?:ring|ringe|kontakt|kontakte|fang|fange|sms|sms'e)(?: gerne| endelig| bare| blot| direkte)*"
    r" (?:til )?(?:mig|os)(?: direkte)?|"
    r"(?:mit|vores) (?:direkte |eget |egen )?(?:mobil|telefon|tlf\.?|direkte )?(?:nummer|nr\.?|linje)"
    r")(?: (?:on|at|is|på|er))?[ \t:]*$", re.IGNORECASE)
# A handle right before a number's first digit (the number would begin inside it): "@217905", "@Sam_92".
HANDLE_BEFORE = re.compile(r"@\w*$")
# Dates and times that a country's numbering plan happens to allow ("2024.03.12" is a valid Danish mobile number).
DATE_OR_TIME = re.compile(r"\d{4}([./-])\d{1,2}\1\d{1,2}|\d{1,2}([./-])\d{1,2}\2\d{2,4}|\d{1,2}[:.]\d{2}\s*[-–]\s*\d{1,2}[:.]\d{2}")
# Amounts: a currency sign or word right before or after the digits.
CURRENCY_BEFORE = re.compile(r"(?:[$£€¥]|\b(?:kr|kr\.|dkk|usd|gbp|eur|nok|sek))[ \t]*$", re.IGNORECASE)
CURRENCY_AFTER = re.compile(r"^[ \t]*(?:kr\b|kr\.|kroner|dkk|usd|gbp|eur|euro|dollars?|pounds?|,-)", re.IGNORECASE)

# Numbers a business answers (free, shared-cost, premium-rate and "one number" lines such as 0800, 0344, 1-800, 1300):
# never a customer's own, so never personal data, whoever's they are.
BUSINESS_NUMBER_TYPES = frozenset({phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.SHARED_COST,
                                   phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.UAN})

Span = tuple[int, int]


def phone_regions(country: str, language: str | None) -> tuple[str, ...]:
    """Where national numbers in a reply are read: the organisation's country, then the language's usual ones."""
    regions = [country]
    for region in LANGUAGE_REGIONS.get(language, ()):
        if region not in regions:
            regions.append(region)
    return tuple(regions)


@cache
def _regions_to_read(country: str, language: str | None,
                     own_codes: frozenset[int]) -> tuple[tuple[str, ...], frozenset[str]]:
    """phone_regions, and those of them that dial one of the organisation's country codes (_read_window's `again`),
    worked out once per language rather than in every check: most replies have no number at all, and asking
    phonenumbers for seven countries' codes was 3 % of checking a real English reply."""
    regions = phone_regions(country, language)
    return regions, frozenset(region for region in regions if phonenumbers.country_code_for_region(region) in own_codes)


def _phone_numbers(text: str, parsed: dict, country: str = "DK",
                   own_codes: frozenset[int] = frozenset()) -> list[tuple[Span, frozenset[str], bool]]:
    """The reply's numbers, each with its readings in E.164 (a national number may be valid in more than one of the
    reply's countries) and whether it is a business line (first reading toll-free, shared-cost, ...), parsed once
    per reply (kept in `parsed`) however many phone entities the rules use. `parsed["language"]`, when the engine
    sets it, adds the language's countries to the organisation's. `own_codes`: the country calling codes of the
    organisation's own numbers; a reading is only ever compared with those, so a number is read again only in
    countries that dial one of them (_read_window)."""
    if "phone_numbers" not in parsed:
        regions, again = _regions_to_read(country, parsed.get("language"), own_codes)
        read: dict[str, list] = {}  # a stretch that occurs twice in the reply (the same number and words) is read once
        parsed["phone_numbers"] = []
        for start, end in _phone_windows(text):
            window = text[start:end]
            if window not in read:
                read[window] = _read_window(window, regions, again)
            parsed["phone_numbers"] += [((start + a, start + b), numbers, business)
                                        for (a, b), numbers, business in read[window]
                                        if not _labelled_or_amount(text, start + a, start + b)
                                        and not _in_handle(text, start + a)]
    return parsed["phone_numbers"]


def _read_window(window: str, regions: tuple[str, ...],
                 again: frozenset[str] = frozenset()) -> list[tuple[Span, frozenset[str], bool]]:
    """The numbers in the window read in each region in turn: a stretch the first region reads is kept with that
    reading (and the other regions' readings of the same stretch); a later region's number overlapping it is not.
    Once every run of digits in the window is part of a number found, the remaining regions can only add readings
    of those numbers, so each is parsed once per region rather than searched for again (phonenumbers' search is
    most of a check's time when a reply is read in seven countries), and one written with its +country code not
    at all: every region reads it alike, found or not. Nor in a region outside `again`: its readings could match none
    of the organisation's numbers, the only thing they are for (a British number in an English reply was read again as
    American, Irish, Canadian, Australian and New Zealand, 0.15 ms, for a Danish organisation)."""
    found: dict[Span, set[str]] = {}
    business: dict[Span, bool] = {}
    international: set[Span] = set()  # written with +country code
    candidates = _phone_candidates(window)
    for index, region in enumerate(regions):
        if all(any(a <= start and end <= b for a, b in found) for start, end in candidates):
            if region not in again:
                continue
            for (a, b), numbers in found.items():
                if (a, b) not in international:
                    numbers.update(_reading(window[a:b], region))
            continue
        for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID):
            span = (match.start, match.end)
            number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            if span in found:
                found[span].add(number)
            elif not any(a < span[1] and span[0] < b for a, b in found):
                found[span] = {number}
                business[span] = phonenumbers.number_type(match.number) in BUSINESS_NUMBER_TYPES
                if match.raw_string.startswith("+"):
                    international.add(span)
        if index == 0:
            # A run written with its +country code reads alike in every region: if the first found no number there
            # ("+45 70 20 3", a number still being typed), none will, and searching the window again in each of an
            # English reply's seven countries cost about 0.7 ms.
            candidates = [(start, end) for start, end in candidates if window[start] not in "+＋"]
    return sorted((span, frozenset(numbers), business[span]) for span, numbers in found.items()
                  if not DATE_OR_TIME.fullmatch(window[span[0]:span[1]]))


def _reading(number: str, region: str) -> tuple[str, ...]:
    """The number in E.164 as the region reads it, if it is a valid number there."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return ()
    if not phonenumbers.is_valid_number(parsed):
        return ()
    return (phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),)


def _labelled_or_amount(text: str, start: int, end: int) -> bool:
    """An order/case/invoice/tracking number ("ordre 40451298") or an amount ("£1 234 567", "40 451 298 kr.")."""
    before = text[max(0, start - 40):start]
    return bool(NUMBER_LABEL.search(before) or CURRENCY_BEFORE.search(before)
                or CURRENCY_AFTER.match(text[end:end + 10]))


def _in_handle(text: str, start: int) -> bool:
    """A number that begins inside a handle: "@217905 92 % til tiden" is the handle @217905 and 92 %, not a phone
    number (phonenumbers reads across the space)."""
    return bool(HANDLE_BEFORE.search(text, max(0, start - 40), start))


def _phone_windows(text: str) -> list[Span]:
    """The stretches around candidate numbers, widened to whitespace: there phonenumbers finds what it would find
    in the whole text, since it judges a number by its neighbouring characters (a letter glued on makes it none)."""
    windows: list[list[int]] = []
    for candidate_start, candidate_end in _phone_candidates(text):
        start, end = max(0, candidate_start - PHONE_MARGIN), min(len(text), candidate_end + PHONE_MARGIN)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    return [(start, end) for start, end in windows]


def _phone_candidates(text: str) -> list[Span]:
    """The runs of digits that could be a number (PHONE_CANDIDATE), less a date or a time range on its own ("12/02/2017",
    "07:30-20:00"): the detector leaves those out whoever reads them, and no country reading one as a number, each was
    read in every country of the reply's language and kept a window's real number from being read only once per
    country after the first found it (_read_window)."""
    return [match.span() for match in PHONE_CANDIDATE.finditer(text) if not DATE_OR_TIME.fullmatch(match.group())]


def _email_addresses(text: str) -> list[Span]:
    """Spans of local@domain.tld; the local part is the run of letters, digits and _.+- right before the '@'."""
    spans: list[Span] = []
    for domain in EMAIL_DOMAIN.finditer(text):
        start = domain.start()
        previous_end = spans[-1][1] if spans else 0
        while start > previous_end and (text[start - 1].isalnum() or text[start - 1] in EMAIL_LOCAL_CHARACTERS):
            start -= 1
        if start < domain.start():
            spans.append((start, domain.end()))
    return spans


def own_phone_numbers(settings: Settings) -> frozenset[str]:
    """The organisation's numbers in E.164, so '70 20 30 40' and '+45 7020 3040' are the same number (a national
    number in the settings is read in the organisation's country)."""
    numbers = set()
    for phone in settings.phones:
        try:
            numbers.add(phonenumbers.format_number(phonenumbers.parse(phone, settings.country),
                                                   phonenumbers.PhoneNumberFormat.E164))
        except phonenumbers.NumberParseException:
            numbers.add(phone)
    return frozenset(numbers)


def _country_codes(numbers: frozenset[str]) -> frozenset[int]:
    """The country calling codes of numbers in E.164 (own_phone_numbers keeps one it can't read as written: none)."""
    codes = set()
    for number in numbers:
        try:
            codes.add(phonenumbers.parse(number).country_code)
        except phonenumbers.NumberParseException:
            pass
    return frozenset(codes)


def make_detectors(settings: Settings) -> dict[str, Callable[[str, dict], list[Span]]]:
    """One detector per entity name a rule file may use; each takes the reply and a dict for work shared between
    detectors of that reply, and returns the spans it finds."""
    own_phones = own_phone_numbers(settings)
    own_codes = _country_codes(own_phones)
    own_emails = {email.lower() for email in settings.emails}
    country = settings.country

    def phone_numbers(text: str, parsed: dict):
        return _phone_numbers(text, parsed, country, own_codes)

    return {
        "phone_number": lambda text, parsed: [span for span, _, _ in phone_numbers(text, parsed)],
        # a number is the organisation's own when any reading of it is ("0808 157 0192" read as British); a business
        # line (0800, 1-800, 0344 ...) or a number the customer is asked to call is nobody's personal number
        "phone_number_not_own": lambda text, parsed: [
            span for span, numbers, business in phone_numbers(text, parsed)
            if not numbers & own_phones and not business
            and not NUMBER_TO_CALL.search(text, max(0, span[0] - 60), span[0])
        ],
        # a number the customer can call: the organisation's own, or any number not introduced as the customer's
        "phone_number_to_call": lambda text, parsed: [
            span for span, numbers, _ in phone_numbers(text, parsed)
            if numbers & own_phones or not CUSTOMERS_NUMBER.search(text, max(0, span[0] - 60), span[0])
        ],
        "email_address_not_own": lambda text, _parsed: [
            (start, end) for start, end in _email_addresses(text) if text[start:end].lower() not in own_emails
        ] if "@" in text else [],
    }


ENTITIES = ("phone_number", "phone_number_not_own", "phone_number_to_call", "email_address_not_own")
