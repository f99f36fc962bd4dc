"""One error shape for every failure: {"error": {"code": ..., "message": ...}}, made here and nowhere else."""

import json
import logging

from flask import Blueprint, current_app
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge, TooManyRequests

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    # Werkzeug's own response keeps headers such as Allow (405) and Retry-After (429); only the body changes.
    response = error.get_response()
    response.data = json.dumps({"error": {"code": error.code, "message": _message(error)}})
    response.content_type = "application/json"
    return response


def _message(error: HTTPException) -> str:
    # Werkzeug raises 413 itself, and access.py raises 429 with only the limit as description: both get a sentence.
    if isinstance(error, RequestEntityTooLarge) and error.description == RequestEntityTooLarge.description:
        return f"the request body is larger than the limit of {current_app.config['MAX_CONTENT_LENGTH']} bytes"
    if isinstance(error, TooManyRequests):
        return f"too many requests from this client (limit: {error.description}); try again after Retry-After seconds"
    return error.description


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    # Only the exception's type and place are logged: its message could quote a customer's words.
    frame = error.__traceback__
    while frame and frame.tb_next:
        frame = frame.tb_next
    where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "unknown"
    log.error("unexpected %s at %s", type(error).__name__, where)
    return http_error(InternalServerError())
