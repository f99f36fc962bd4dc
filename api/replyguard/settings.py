"""The organisation's settings: a TOML file, or the embedded demo defaults when none is given."""

import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

LANGUAGES = ("da", "en")


class SettingsError(ValueError):
    """A settings file that can't be used; the message names the file and the field."""


@dataclass(frozen=True)
class ApiKey:
    id: str  # names the key in access logs and rate limits; the key itself is never stored
    sha256: str  # hex digest of the key


@dataclass(frozen=True)
class ApiSettings:
    """How the API lets clients in: keys, CORS origins, rate limit and input limits ([api] in the settings file)."""

    keys: tuple[ApiKey, ...] = ()
    extension_origins: tuple[str, ...] = ()
    rate_limit: str = "3000 per minute"
    rate_limit_storage: str = "memory://"
    max_body_bytes: int = 64 * 1024
    max_text_length: int = 10_000  # characters; a public reply is rarely over 1,500


def default_insights_store() -> str:
    """The daily counts' SQLite file when the settings name none: in the user's state folder ($XDG_STATE_HOME, or
    ~/.local/state), which outlives the process and a reinstall, and which every worker of one server shares."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return f"sqlite:///{state / 'replyguard' / 'insights.sqlite3'}"


@dataclass(frozen=True)
class InsightsSettings:
    """What the team's insight counts and where it keeps it ([insights] in the settings file). Counted are verdicts,
    rule ids, severities, languages, platforms, key ids, days and how long complaints waited: never a text."""

    enabled: bool = True
    store: str = field(default_factory=default_insights_store)  # sqlite:///PATH or postgresql://...
    retention_days: int = 400
    metrics_token: str = ""  # lets Prometheus scrape /metrics from another machine; empty: loopback only
    # Ids of api.keys whose holders (the playbook's owner) see every team's counts; any other key sees its own team's.
    owner_keys: tuple[str, ...] = ()


INSIGHTS_STORE = re.compile(r"(sqlite:///.+|postgres(ql)?://.+)")


KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
EXTENSION_ORIGIN = re.compile(r"chrome-extension://[a-p]{32}")


@dataclass(frozen=True)
class Settings:
    organisation: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    owner: str
    staff: tuple[str, ...]
    country: str = "DK"  # ISO 3166 code: national phone numbers (no +country code) are read as this country's
    default_language: str = "auto"
    disabled_rules: frozenset[str] = frozenset()
    extra_phrases: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    playbook_base_url: str = ""
    # The organisation's own rule files and reply templates ([playbook] rules_dir and templates_dir), loaded after
    # the playbook's; a relative path counts from the settings file's folder. None: the playbook's only.
    rules_dir: Path | None = None
    templates_dir: Path | None = None
    api: ApiSettings = ApiSettings()
    insights: InsightsSettings = field(default_factory=InsightsSettings)
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
    api = reader.api(reader.table("api"))  # before [insights], whose owner_keys name its keys
    return Settings(
        organisation=reader.string(organisation, "organisation.name", required=True),
        phones=reader.strings(organisation, "organisation.phones"),
        emails=reader.strings(organisation, "organisation.emails"),
        owner=reader.string(organisation, "organisation.owner", ""),
        staff=reader.strings(organisation, "organisation.staff"),
        country=reader.country(organisation),
        default_language=default_language,
        disabled_rules=frozenset(reader.strings(checker, "checker.disabled_rules")),
        extra_phrases=reader.extra_phrases(checker),
        thresholds=reader.thresholds(checker),
        playbook_base_url=reader.string(playbook, "playbook.base_url", ""),
        rules_dir=reader.folder(playbook, "playbook.rules_dir"),
        templates_dir=reader.folder(playbook, "playbook.templates_dir"),
        api=api,
        insights=reader.insights(reader.table("insights"), api.keys),
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

    def folder(self, table: dict, name: str) -> Path | None:
        """A folder named in the settings; relative to the settings file's own folder (the working directory for
        settings that aren't a file). Whether it exists is the loader's question, which names it."""
        value = self.string(table, name, "")
        if not value:
            return None
        path = Path(value).expanduser()
        source = Path(self.source)
        if not path.is_absolute() and source.suffix == ".toml":
            path = source.parent / path
        return path

    def country(self, organisation: dict) -> str:
        import phonenumbers

        value = self.string(organisation, "organisation.country", "DK")
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise SettingsError(f"{self.source}: organisation.country: unknown country code {value!r} (an ISO 3166 "
                                f"code with a phone numbering plan, such as \"DK\", \"GB\" or \"US\")")
        return value.upper()

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

    def api(self, api: dict) -> ApiSettings:
        unknown = set(api) - set(ApiSettings.__dataclass_fields__)
        if unknown:
            raise SettingsError(f"{self.source}: unknown setting(s) in [api]: {', '.join(sorted(unknown))}")
        defaults = ApiSettings()
        origins = self.strings(api, "api.extension_origins")
        for origin in origins:
            if not EXTENSION_ORIGIN.fullmatch(origin):
                self.fail("api.extension_origins", f"a list of chrome-extension://ID origins (the extension's ID: "
                                                   f"32 letters a-p, see chrome://extensions), not {origin!r}")
        return ApiSettings(
            keys=self.api_keys(api),
            extension_origins=origins,
            rate_limit=self.rate_limit(api),
            rate_limit_storage=self.string(api, "api.rate_limit_storage", defaults.rate_limit_storage),
            max_body_bytes=self.positive_int(api, "api.max_body_bytes", defaults.max_body_bytes),
            max_text_length=self.positive_int(api, "api.max_text_length", defaults.max_text_length),
        )

    def insights(self, insights: dict, keys: tuple[ApiKey, ...]) -> InsightsSettings:
        unknown = set(insights) - set(InsightsSettings.__dataclass_fields__)
        if unknown:
            raise SettingsError(f"{self.source}: unknown setting(s) in [insights]: {', '.join(sorted(unknown))}")
        defaults = InsightsSettings()
        enabled = insights.get("enabled", True)
        if not isinstance(enabled, bool):
            self.fail("insights.enabled", "true or false")
        store = self.string(insights, "insights.store", defaults.store)
        if not INSIGHTS_STORE.fullmatch(store):
            self.fail("insights.store", f"sqlite:///PATH (a file) or postgresql://USER@HOST/DATABASE, not {store!r}")
        if store.startswith("sqlite:///") and not Path(store.removeprefix("sqlite:///")).is_absolute():
            # A relative file counts from the settings file's folder, as rules_dir does.
            source = Path(self.source)
            folder = source.parent if source.suffix == ".toml" else Path.cwd()
            store = f"sqlite:///{(folder / store.removeprefix('sqlite:///')).resolve()}"
        token = self.string(insights, "insights.metrics_token", "")
        if token and len(token) < 16:
            self.fail("insights.metrics_token", "at least 16 characters (replyguard new-key makes a good one)")
        owner_keys = self.strings(insights, "insights.owner_keys")
        unknown_owners = [key_id for key_id in owner_keys if key_id not in {key.id for key in keys}]
        if unknown_owners:
            self.fail("insights.owner_keys", f"ids of this file's [[api.keys]]; {unknown_owners[0]!r} is not one")
        return InsightsSettings(
            enabled=enabled,
            store=store,
            retention_days=self.positive_int(insights, "insights.retention_days", defaults.retention_days),
            metrics_token=token,
            owner_keys=owner_keys,
        )

    def api_keys(self, api: dict) -> tuple[ApiKey, ...]:
        entries = api.get("keys", [])
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            self.fail("api.keys", "a list of tables with id and sha256 (replyguard new-key prints one)")
        keys = []
        for entry in entries:
            key_id, digest = entry.get("id"), entry.get("sha256")
            if set(entry) != {"id", "sha256"} or not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
                self.fail("each api.keys entry", "id (letters, digits, . _ -) and sha256, as replyguard new-key prints")
            if not isinstance(digest, str) or not SHA256_HEX.fullmatch(digest):
                self.fail(f"api.keys {key_id!r}: sha256", "64 lowercase hex digits (replyguard new-key prints it)")
            if any(key.id == key_id for key in keys):
                raise SettingsError(f"{self.source}: api.keys: the id {key_id!r} is used twice")
            keys.append(ApiKey(key_id, digest))
        return tuple(keys)

    def rate_limit(self, api: dict) -> str:
        from limits import parse_many

        value = self.string(api, "api.rate_limit", ApiSettings.rate_limit)
        try:
            parse_many(value)
        except ValueError:
            self.fail("api.rate_limit", f"a rate such as \"3000 per minute\", not {value!r}")
        return value

    def positive_int(self, table: dict, name: str, default: int) -> int:
        value = table.get(name.rsplit(".", 1)[-1], default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(name, "a whole number above 0")
        return value

    def _rule_tables(self, checker: dict, name: str) -> dict[str, dict]:
        value = checker.get(name, {})
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            self.fail(f"checker.{name}", "a table of tables, one per rule id")
        return value
