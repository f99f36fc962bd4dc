"""Serves the API's OpenAPI 3.1 document at /v1/openapi.json.

The document is one YAML file beside this module (openapi.yml, shipped as package data): whoever adds an endpoint
adds its path there, and tests/test_contract.py fails for a route the document doesn't list.
"""

from functools import cache
from importlib.resources import files

import yaml
from flask import Blueprint, jsonify

from .. import __version__
from ..checking.playbook_files import packaged_dir, read_yaml

bp = Blueprint("openapi", __name__, url_prefix="/v1")


@cache
def load_document() -> dict:
    document = yaml.safe_load(files("replyguard").joinpath("openapi.yml").read_text(encoding="utf-8"))
    document["info"]["version"] = __version__
    # The rule ids an event may name: the playbook's rule files, whose names are their ids.
    rule_files = sorted(packaged_dir("rule_files").glob("*.yml"))
    document["components"]["schemas"]["RuleId"]["enum"] = [path.stem for path in rule_files]
    # The kinds of dig or dodge a finding may name: those the rule files' kind models tell.
    kinds = set()
    for path in rule_files:
        kinds |= set(read_yaml(path, ValueError)["check"].get("model", {}).get("kinds", {}).get("title", {}))
    document["components"]["schemas"]["KindName"]["enum"] = sorted(kinds)
    return document


bp.record_once(lambda state: load_document())  # read at start, before gunicorn forks its workers


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(load_document())
