"""The admin pages tell people to copy their examples: each example settings file must start ReplyGuard."""

import re
import textwrap
from pathlib import Path

import pytest

from replyguard.checking.engine import Checker
from replyguard.settings import DEFAULT_SETTINGS_TEXT, parse_settings

PAGES = [Path(__file__).resolve().parent.parent / "playbook" / "admin" / name
         for name in ("settings.md", "settings.en.md")]
TOML_BLOCK = re.compile(r"^( *)```toml\n(.*?)^\1```", re.S | re.M)  # also the ones indented in a list


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_example_settings_on_the_page_are_accepted(rules, page):
    examples = TOML_BLOCK.findall(page.read_text(encoding="utf-8"))
    assert examples, f"{page.name} shows no settings example"
    for indent, example in examples:
        example = textwrap.dedent(example) if indent else example
        if not example.lstrip().startswith("[organisation]"):  # a fragment: added to the demo settings
            example = DEFAULT_SETTINGS_TEXT + "\n" + example
        Checker(rules, parse_settings(example, page.name))  # raises SettingsError on anything it would refuse
