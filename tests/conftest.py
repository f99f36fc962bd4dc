import pytest

from replyguard import create_app
from replyguard.engine import Checker
from replyguard.rules import load_rules
from replyguard.settings import load_settings


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def checker(rules):
    return Checker(rules, load_settings())


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def utf16_len(text: str) -> int:
    """Length as JavaScript's String.length counts it, measured independently of the code under test."""
    return len(text.encode("utf-16-le")) // 2


def apply_suggestion(text: str, start, end, insert, suggestion: str) -> str:
    """What a client does when a person clicks a suggestion (offsets in UTF-16 code units)."""
    if start is None:
        return f"{suggestion} {text}" if insert == "start" else f"{text}\n\n{suggestion}"
    units = text.encode("utf-16-le")
    return (units[: 2 * start] + suggestion.encode("utf-16-le") + units[2 * end :]).decode("utf-16-le")
