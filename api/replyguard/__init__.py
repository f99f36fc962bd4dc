"""ReplyGuard: checks draft replies to angry customers against the company's response playbook."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("replyguard")
except PackageNotFoundError:  # running from a checkout that isn't installed
    __version__ = "0.0.0"


def create_app(test_config: dict | None = None):
    """Flask app factory: loads the settings and rule files once; a bad one stops the start with a clear message."""
    from flask import Flask

    from . import check_api, errors, languagetool, playbook_site
    from .engine import Checker
    from .language import warm_up
    from .rules import load_rules
    from .settings import load_settings

    app = Flask(__name__)
    app.json.sort_keys = False
    app.config.from_mapping(
        SETTINGS_FILE=None,  # None: the embedded demo settings
        RULES_DIR=None,  # None: the rule files shipped with the package
        SITE_DIR=None,  # the built playbook site served at /playbook/
        MAX_TEXT_LENGTH=10_000,  # characters; a public reply is rarely over 1,500
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if test_config:
        app.config.update(test_config)

    app.extensions["replyguard"] = Checker(load_rules(app.config["RULES_DIR"]), load_settings(app.config["SETTINGS_FILE"]))
    warm_up()
    app.register_blueprint(errors.bp)
    app.register_blueprint(check_api.bp)
    app.register_blueprint(languagetool.bp)
    app.register_blueprint(playbook_site.bp)
    return app
