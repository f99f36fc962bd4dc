"""Things in a reply that a pattern can't judge alone: phone numbers and e-mail addresses, own or someone else's."""

import re
from collections.abc import Callable

import phonenumbers

from .settings import Settings

# phonenumbers is thorough but slow, so it only reads the text around a run of digits that could be a number: eight
# digits (a Danish number) or a +country code, so short order numbers and handles like @116470 don't start it. The
# digits may be split by anything phonenumbers reads as punctuation (spaces, non-breaking spaces, dashes, dots, ...).
PHONE_CANDIDATE = re.compile(r"[+＋][^\w\n\t\r]*\d(?:[^\w\n\t\r]*\d){4,}|\d(?:[^\w\n\t\r]*\d){7,}")
# How far around a candidate phonenumbers reads: room for a leading '(' and a trailing extension ('ext. 12').
PHONE_MARGIN = 20
# An e-mail address is found by its '@' and domain (a quick search for '@'), then read back to its local part.
EMAIL_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
EMAIL_LOCAL_CHARACTERS = frozenset("_.+-")
# A Danish organisation's replies: national numbers are read as Danish, others need their +country code.
PHONE_REGION = "DK"

Span = tuple[int, int]


def _phone_numbers(text: str, parsed: dict) -> list[tuple[Span, str]]:
    """The reply's numbers, parsed once per reply (kept in `parsed`) however many phone entities the rules use."""
    if "phone_numbers" not in parsed:
        read: dict[str, list] = {}  # a stretch that occurs twice in the reply (the same number and words) is read once
        parsed["phone_numbers"] = []
        for start, end in _phone_windows(text):
            window = text[start:end]
            if window not in read:
                read[window] = [((match.start, match.end),
                                 phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
                                for match in phonenumbers.PhoneNumberMatcher(window, PHONE_REGION,
                                                                             leniency=phonenumbers.Leniency.VALID)]
            parsed["phone_numbers"] += [((start + a, start + b), number) for (a, b), number in read[window]]
    return parsed["phone_numbers"]


def _phone_windows(text: str) -> list[Span]:
    """The stretches around candidate numbers, widened to whitespace: there phonenumbers finds what it would find
    in the whole text, since it judges a number by its neighbouring characters (a letter glued on makes it none)."""
    windows: list[list[int]] = []
    for candidate in PHONE_CANDIDATE.finditer(text):
        start, end = max(0, candidate.start() - PHONE_MARGIN), min(len(text), candidate.end() + PHONE_MARGIN)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    return [(start, end) for start, end in windows]


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
    """The organisation's numbers in E.164, so '70 20 30 40' and '+45 7020 3040' are the same number."""
    numbers = set()
    for phone in settings.phones:
        try:
            numbers.add(phonenumbers.format_number(phonenumbers.parse(phone, PHONE_REGION),
                                                   phonenumbers.PhoneNumberFormat.E164))
        except phonenumbers.NumberParseException:
            numbers.add(phone)
    return frozenset(numbers)


def make_detectors(settings: Settings) -> dict[str, Callable[[str, dict], list[Span]]]:
    """One detector per entity name a rule file may use; each takes the reply and a dict for work shared between
    detectors of that reply, and returns the spans it finds."""
    own_phones = own_phone_numbers(settings)
    own_emails = {email.lower() for email in settings.emails}
    return {
        "phone_number": lambda text, parsed: [span for span, _ in _phone_numbers(text, parsed)],
        "phone_number_not_own": lambda text, parsed: [
            span for span, number in _phone_numbers(text, parsed) if number not in own_phones
        ],
        "email_address_not_own": lambda text, _parsed: [
            (start, end) for start, end in _email_addresses(text) if text[start:end].lower() not in own_emails
        ] if "@" in text else [],
    }


ENTITIES = ("phone_number", "phone_number_not_own", "email_address_not_own")
