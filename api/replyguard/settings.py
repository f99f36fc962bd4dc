"""The organisation's settings: a TOML file, or the embedded demo defaults when none is given."""

import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

LANGUAGES = ("da", "en")


class SettingsError(ValueError):
    """A settings file that can't be used; the message names the file and the field."""


@dataclass(frozen=True)
class Settings:
    organisation: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    owner: str
    staff: tuple[str, ...]
    default_language: str = "auto"
    disabled_rules: frozenset[str] = frozenset()
    extra_phrases: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    playbook_base_url: str = ""
    source: str = "embedded defaults"

    @property
    def placeholders(self) -> dict[str, str]:
        """Values for {phone}, {name}, {organisation} and {owner} in suggestions and templates."""
        return {
            "phone": self.phones[0] if self.phones else "",
            "name": self.staff[0] if self.staff else self.owner,
            "organisation": self.organisation,
            "owner": self.owner,
        }


DEFAULT_SETTINGS_TEXT = files("replyguard").joinpath("default_settings.toml").read_text(encoding="utf-8")


def load_settings(path: str | Path | None = None) -> Settings:
    """Reads settings from `path`, or the embedded defaults; raises SettingsError naming what is wrong."""
    if path is None:
        return parse_settings(DEFAULT_SETTINGS_TEXT, "embedded defaults")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise SettingsError(f"{path}: cannot read settings file ({error.strerror})") from None
    return parse_settings(text, str(path))


def parse_settings(text: str, source: str) -> Settings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{source}: not valid TOML ({error})") from None
    reader = _Reader(data, source)
    organisation = reader.table("organisation")
    checker = reader.table("checker")
    playbook = reader.table("playbook")
    default_language = reader.string(checker, "checker.default_language", "auto")
    if default_language not in (*LANGUAGES, "auto"):
        raise SettingsError(f"{source}: checker.default_language must be da, en or auto, not {default_language!r}")
    return Settings(
        organisation=reader.string(organisation, "organisation.name", required=True),
        phones=reader.strings(organisation, "organisation.phones"),
        emails=reader.strings(organisation, "organisation.emails"),
        owner=reader.string(organisation, "organisation.owner", ""),
        staff=reader.strings(organisation, "organisation.staff"),
        default_language=default_language,
        disabled_rules=frozenset(reader.strings(checker, "checker.disabled_rules")),
        extra_phrases=reader.extra_phrases(checker),
        thresholds=reader.thresholds(checker),
        playbook_base_url=reader.string(playbook, "playbook.base_url", ""),
        source=source,
    )


class _Reader:
    """Type-checked access to the parsed TOML, so every error names the field."""

    def __init__(self, data: dict, source: str):
        self.data, self.source = data, source

    def fail(self, name: str, expected: str):
        raise SettingsError(f"{self.source}: {name} must be {expected}")

    def table(self, name: str) -> dict:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            self.fail(name, "a table")
        return value

    def string(self, table: dict, name: str, default: str | None = None, required: bool = False) -> str:
        key = name.rsplit(".", 1)[-1]
        if key not in table:
            if required:
                raise SettingsError(f"{self.source}: {name} is missing")
            return default
        if not isinstance(table[key], str):
            self.fail(name, "a string")
        return table[key]

    def strings(self, table: dict, name: str) -> tuple[str, ...]:
        value = table.get(name.rsplit(".", 1)[-1], [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(name, "a list of strings")
        return tuple(value)

    def extra_phrases(self, checker: dict) -> dict[str, dict[str, tuple[str, ...]]]:
        result = {}
        for rule_id, per_language in self._rule_tables(checker, "extra_phrases").items():
            for language in per_language:
                if language not in LANGUAGES:
                    self.fail(f"checker.extra_phrases.{rule_id}.{language}", "da or en")
            result[rule_id] = {
                language: self.strings(per_language, f"checker.extra_phrases.{rule_id}.{language}")
                for language in per_language
            }
        return result

    def thresholds(self, checker: dict) -> dict[str, dict[str, float]]:
        result = {}
        for rule_id, limits in self._rule_tables(checker, "thresholds").items():
            for metric, value in limits.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    self.fail(f"checker.thresholds.{rule_id}.{metric}", "a number")
            result[rule_id] = dict(limits)
        return result

    def _rule_tables(self, checker: dict, name: str) -> dict[str, dict]:
        value = checker.get(name, {})
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            self.fail(f"checker.{name}", "a table of tables, one per rule id")
        return value
