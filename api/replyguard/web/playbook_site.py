"""Serves the built playbook site at /playbook/, so every finding's link works with nothing else running.

The site is the one built into the package (replyguard/site/: a wheel carries it, see setup.py; in the checkout it is
a link to ./site, which `make site` builds), unless the app's SITE_DIR (`replyguard serve --site-dir`) names another.
"""

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, send_from_directory
from werkzeug.security import safe_join

from ..checking.playbook_files import packaged_dir


def site_dir() -> Path:
    """The built site the app serves: its SITE_DIR, or else the one that travels with the package."""
    return Path(current_app.config["SITE_DIR"] or packaged_dir("site"))


bp = Blueprint("playbook_site", __name__, url_prefix="/playbook")


@bp.get("")
def playbook_root():
    return redirect("/playbook/", code=301)


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str):
    root = site_dir()
    if not Path(root, "index.html").is_file():
        abort(404, "the playbook site is not built here: in a checkout, run `make site` (or start with --site-dir)")
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif (index := safe_join(str(root), path, "index.html")) and Path(index).is_file():
        # A page's address ends in a slash; without it the page's relative links would resolve one level too high.
        return redirect(f"/playbook/{path}/", code=301)
    return send_from_directory(root.resolve(), path)
