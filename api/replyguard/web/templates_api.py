"""GET /v1/templates: the playbook's reply templates, filled in with the organisation's settings."""

from flask import Blueprint, abort, current_app, jsonify, request

from ..checking.templates import load_templates
from ..settings import LANGUAGES
from .check_api import checker

bp = Blueprint("templates_api", __name__, url_prefix="/v1")


@bp.record_once
def _load(state):
    # Loaded as the app starts, so a broken template file stops the start with its message, not a request.
    # The playbook's templates and then the organisation's own ([playbook] templates_dir).
    settings = state.app.extensions["replyguard"].settings
    state.app.extensions["replyguard.templates"] = load_templates(state.app.config.get("TEMPLATES_DIR"),
                                                                  settings.templates_dir)


@bp.get("/templates")
def templates():
    language = request.args.get("language", "da")
    if language not in LANGUAGES:
        abort(400, f"query parameter 'language' must be one of {', '.join(LANGUAGES)}")
    settings = checker().settings
    return jsonify(templates=[
        {
            "id": template.id,
            "title": template.title[language],
            "situation": template.situation[language],
            "text": template.fill(language, settings),
        }
        for template in current_app.extensions["replyguard.templates"]
    ])
