"""The playbook's data files (rules, templates, complaint kinds): YAML that travels inside the package."""

from importlib.resources import files
from pathlib import Path

import yaml

# libyaml's parser where PyYAML was built with it (the wheels are), with the same safe constructor: the playbook's
# files are read by every new Checker, and the pure-Python parser took a fifth of an app's start.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeysLoader(SAFE_LOADER):
    """The safe loader, except that a key given twice in one mapping is an error: YAML's loaders keep the last and
    drop the first without a word, so a pattern given two `suggest:` lines (one meant for the pattern above it)
    silently lost one."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue  # a list or a mapping as a key: the safe loader's own error says what is wrong with it
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"found duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def packaged_dir(name: str) -> Path:
    """A folder of playbook files shipped with the package (in the checkout, a link to the playbook's own folder)."""
    return (Path(str(files("replyguard"))) / name).resolve()


def yaml_files(directory: Path, what: str, error: type[ValueError]) -> list[Path]:
    """The folder's *.yml files, sorted by name; none at all is `error`, since the playbook can't be empty."""
    paths = sorted(directory.glob("*.yml"))
    if not paths:
        raise error(f"{directory}: no {what} files (*.yml) found")
    return paths


def read_yaml(path: Path, error: type[ValueError]):
    """One file's data; a file that isn't YAML is `error`, naming the file and what the parser says."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeysLoader)
    except yaml.YAMLError as problem:
        # On one line, with the place the parser stopped: `replyguard rules check` prints one line per problem.
        mark = getattr(problem, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = " ".join(str(getattr(problem, "problem", None) or problem).split())
        raise error(f"{path}: not valid YAML ({where}{what})") from None


_VALIDATORS: dict[int, object] = {}


def schema_problem(schema: dict, data) -> tuple[str, str] | None:
    """The first place where `data` breaks the JSON Schema, as (field, what is wrong) in the words the loaders use:
    `check.patterns.da[0]`, `unknown field 'sugestions'`. None when it conforms."""
    import jsonschema_rs

    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = jsonschema_rs.validator_for(schema)
    errors = list(validator.iter_errors(data))
    if not errors:
        return None
    # The deepest place first: its message is the most precise one ("unknown field" rather than "doesn't match").
    error = max(errors, key=lambda e: len(e.instance_path))
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.instance_path).lstrip(".")
    kind = type(error.kind).__name__
    if kind == "AdditionalProperties":
        unexpected = getattr(error.kind, "unexpected", None) or []
        allowed = _allowed_fields(schema, error.schema_path)
        name = f"{field}.{unexpected[0]}" if field and unexpected else (unexpected[0] if unexpected else field)
        return name or "file", "unknown field" + (f" (allowed here: {', '.join(allowed)})" if allowed else "")
    if kind == "Required":
        missing = getattr(error.kind, "property", None)
        missing = missing if isinstance(missing, str) else str(missing).strip("'\"")
        return (f"{field}.{missing}" if field else missing), "is missing"
    if kind == "Enum":
        options = getattr(error.kind, "options", None)
        if isinstance(options, list):
            return field or "file", f"must be one of {', '.join(map(str, options))}"
    return field or "file", error.message


def _allowed_fields(schema: dict, schema_path) -> list[str]:
    """The property names the schema object holding an additionalProperties: false allows."""
    node = schema
    for part in list(schema_path)[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return []
    if isinstance(node, dict) and "$ref" in node:
        node = _resolve(schema, node["$ref"])
    return sorted(key for key in (node.get("properties", {}) if isinstance(node, dict) else {}))


def _resolve(schema: dict, ref: str):
    node = schema
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node
