"""The playbook's data files (rules, templates, complaint kinds): YAML that travels inside the package."""

from importlib.resources import files
from pathlib import Path

import yaml


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
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as problem:
        raise error(f"{path}: not valid YAML ({problem})") from None
