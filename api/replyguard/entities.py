"""Things in a reply that a pattern can't judge alone: phone numbers and e-mail addresses, own or someone else's."""

import re
from collections.abc import Callable

import phonenumbers

from .settings import Settings

# phonenumbers is thorough but slow; it only runs when the text has a run of digits that could be a number: eight
# digits (a Danish number) or a +country code, so short order numbers and handles like @116470 don't start it.
PHONE_CANDIDATE = re.compile(r"\+\d(?:[ \-.()/]*\d){4,}|\d(?:[ \-.()/]*\d){7,}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A Danish organisation's replies: national numbers are read as Danish, others need their +country code.
PHONE_REGION = "DK"

Span = tuple[int, int]


def _phone_numbers(text: str, parsed: dict) -> list[tuple[Span, str]]:
    """The reply's numbers, parsed once per reply (kept in `parsed`) however many phone entities the rules use."""
    if "phone_numbers" not in parsed:
        parsed["phone_numbers"] = [
            ((match.start, match.end), phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
            for match in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION, leniency=phonenumbers.Leniency.VALID)
        ] if PHONE_CANDIDATE.search(text) else []
    return parsed["phone_numbers"]


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
            match.span() for match in EMAIL.finditer(text) if match.group().lower() not in own_emails
        ] if "@" in text else [],
    }


ENTITIES = ("phone_number", "phone_number_not_own", "email_address_not_own")
