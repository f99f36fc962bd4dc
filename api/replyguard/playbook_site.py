"""Serves the built playbook site at /playbook/, so every finding's link works with nothing else running."""

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, send_from_directory
from werkzeug.security import safe_join

bp = Blueprint("playbook_site", __name__, url_prefix="/playbook")


@bp.get("")
def playbook_root():
    return redirect("/playbook/", code=301)


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str):
    site_dir = current_app.config["SITE_DIR"]
    if not site_dir or not Path(site_dir, "index.html").is_file():
        abort(404, "the playbook site is not built here: run `make site` and start the API with --site-dir site")
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif (index := safe_join(site_dir, path, "index.html")) and Path(index).is_file():
        # A page's address ends in a slash; without it the page's relative links would resolve one level too high.
        return redirect(f"/playbook/{path}/", code=301)
    return send_from_directory(Path(site_dir).resolve(), path)
