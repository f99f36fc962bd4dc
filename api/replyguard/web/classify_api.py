"""POST /v1/classify: what kind of comment a reply would answer (complaint, question, praise, troll, hateful)."""

from flask import Blueprint, abort, current_app, jsonify

from .check_api import CLASSIFY_LANGUAGES, checker, json_object, validate_text

bp = Blueprint("classify_api", __name__, url_prefix="/v1")
FIELDS = {"text", "language"}


@bp.post("/classify")
def classify():
    body = json_object(FIELDS)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        abort(400, "field 'text' is required: send the customer's comment or review as a non-empty string")
    validate_text("text", text, current_app.config["MAX_TEXT_LENGTH"])
    language = body.get("language", "auto")
    if language not in CLASSIFY_LANGUAGES:
        abort(400, f"field 'language' must be one of {', '.join(CLASSIFY_LANGUAGES)}")
    return jsonify(checker().classifier.classify(text, language).as_json())
