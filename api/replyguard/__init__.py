"""ReplyGuard: checks draft replies to angry customers against the company's response playbook."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("replyguard")
except PackageNotFoundError:  # running from a checkout that isn't installed
    __version__ = "0.0.0"


def create_app(test_config: dict | None = None):
    """Flask app factory: loads the settings and rule files once; a bad one stops the start with a clear message."""
    from flask import Flask

    from .checking.engine import Checker
    from .checking.language import warm_up
    from .checking.rules import load_rules
    from .insights.counting import Tally
    from .settings import load_settings
    from .web import (access, access_log, check_api, classify_api, dashboard, errors, insights_api, languagetool,
                      metrics_api, openapi, playbook_site, templates_api)

    app = Flask(__name__, static_folder=None)  # no static files of its own: the site is served at /playbook/
    app.json.sort_keys = False
    app.config.from_mapping(
        SETTINGS_FILE=None,  # None: the embedded demo settings
        RULES_DIR=None,  # None: the rule files shipped with the package
        SITE_DIR=None,  # the built playbook site served at /playbook/; None: the one the package carries
    )
    if test_config:
        app.config.update(test_config)

    settings = load_settings(app.config["SETTINGS_FILE"])
    # The input limits come from the settings' [api] table (a test may still set them directly).
    app.config.setdefault("MAX_TEXT_LENGTH", settings.api.max_text_length)  # characters
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"] or settings.api.max_body_bytes
    # The playbook's rules and then the organisation's own ([playbook] rules_dir), all or nothing.
    app.extensions["replyguard"] = Checker(load_rules(app.config["RULES_DIR"], settings.rules_dir), settings)
    # The team's insight: counts of checks and posted replies, never their words ([insights] in the settings).
    app.extensions["replyguard.insights"] = Tally(settings.insights)
    warm_up()
    access_log.init_app(app)  # first, so requests refused by the access checks are logged too
    metrics_api.init_app(app)  # and timed for /metrics
    access.init_app(app, settings)
    app.register_blueprint(errors.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(check_api.bp)
    app.register_blueprint(classify_api.bp)
    app.register_blueprint(templates_api.bp)
    app.register_blueprint(languagetool.bp)
    app.register_blueprint(playbook_site.bp)
    app.register_blueprint(insights_api.bp)
    app.register_blueprint(metrics_api.bp)
    app.register_blueprint(dashboard.bp)
    return app
