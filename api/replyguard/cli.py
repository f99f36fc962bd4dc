"""The `replyguard` command: serve the API, check a reply (or a folder of saved templates in a script), list rules."""

import argparse
import hashlib
import ipaddress
import json
import os
import secrets
import sys
from pathlib import Path

from .checking.rules import RuleError, load_rules, rule_page_url
from .checking.templates import TemplateError
from .settings import KEY_ID, LANGUAGES, SettingsError, load_settings

DEFAULT_PLAYBOOK = "http://127.0.0.1:8000/playbook/"
EXIT_ERROR_FINDING, EXIT_USAGE = 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="replyguard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API (and the built playbook site) with gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--config", help="settings file (TOML); default: the embedded demo settings")
    serve.add_argument("--site-dir", help="built playbook site to serve at /playbook/ (default: the one the package "
                                          "carries; in a checkout, ./site, which make site builds)")
    serve.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                       help="worker processes (default: 2 per core + 1)")
    serve.add_argument("--graceful-timeout", type=int, default=30,
                       help="seconds running requests get to finish after SIGTERM (default: 30)")

    new_key = commands.add_parser(
        "new-key", help="make an API key: prints the [[api.keys]] entry for the settings file, and the key itself "
                        "(once, on standard error): replyguard new-key --id team >> settings.toml")
    new_key.add_argument("--id", required=True, help="the key's name in access logs and rate limits, e.g. team")

    check = commands.add_parser("check", help="check a draft reply; exit status 1 when it has an error-level finding")
    check.add_argument("text", nargs="?", help="the reply (default, or -: read --file or standard input)")
    check.add_argument("--file", help="read the reply from this file")
    check.add_argument("--language", choices=(*LANGUAGES, "auto"), default="auto")
    check.add_argument("--complaint", help="the customer's comment or review the reply answers, so the advice fits "
                                           "it as the API's context.complaint does: a troll isn't argued with, a "
                                           "hateful comment gets no apology, praise needs none")
    check.add_argument("--config", help="settings file (TOML)")
    check.add_argument("--json", action="store_true", help="print the findings as JSON, as the API returns them")

    rules = commands.add_parser("rules", help="list the playbook's rules (and the organisation's own, with --config); "
                                              "`rules check FOLDER` checks a folder of the organisation's rule files")
    rules.add_argument("--language", choices=LANGUAGES, default="da")
    rules.add_argument("--config", help="settings file (TOML)")
    rules_commands = rules.add_subparsers(dest="rules_command")
    rules_check = rules_commands.add_parser(
        "check", help="validate a folder of the organisation's rule files and run their examples through the checker; "
                      "one line per problem, exit status 1 on any")
    rules_check.add_argument("folder", help="the folder of rule files (*.yml)")
    rules_check.add_argument("--templates", help="the organisation's template folder, for suggest_template "
                                                 "(default: the settings' playbook.templates_dir)")
    rules_check.add_argument("--config", dest="check_config",
                             help="settings file (TOML): the names and numbers the examples are checked with")

    args = parser.parse_args(argv)
    try:
        return {"serve": _serve, "check": _check, "rules": _rules, "new-key": _new_key}[args.command](args)
    except (SettingsError, RuleError, TemplateError) as error:
        print(f"replyguard: {error}", file=sys.stderr)
        return EXIT_USAGE


def _read_reply(args) -> str:
    if args.text is not None and args.file:
        raise SettingsError("give the reply as an argument or with --file, not both")
    if args.file:
        try:
            with open(args.file, encoding="utf-8") as reply_file:
                return reply_file.read()
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"{args.file}: cannot read the reply ({error})") from None
    if args.text is not None and args.text != "-":  # '-' is standard input, as for most command-line tools
        return args.text
    return sys.stdin.read()


def _check(args) -> int:
    from .checking.engine import Checker

    text = _read_reply(args)
    if not text.strip():
        raise SettingsError("the reply is empty: give it as an argument, with --file, or on standard input")
    if args.complaint is not None and not args.complaint.strip():
        raise SettingsError("the complaint is empty: give the comment the reply answers, or leave out --complaint")
    settings = load_settings(args.config)
    context = {"complaint": args.complaint} if args.complaint else None
    result = Checker(load_rules(None, settings.rules_dir), settings).check(text, args.language, context)
    base = settings.playbook_base_url or DEFAULT_PLAYBOOK
    findings = [
        {**finding.__dict__, "suggestions": list(finding.suggestions),
         "url": rule_page_url(base, finding.rule, result.language)}
        for finding in result.findings
    ]
    if args.json:
        answer = {"language": result.language, "verdict": result.verdict, "findings": findings}
        if result.complaint:
            answer["complaint"] = result.complaint.as_json()
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        _print_findings(text, result.language, result.verdict, findings, result.complaint)
    return EXIT_ERROR_FINDING if result.verdict == "block" else 0


def _print_findings(text: str, language: str, verdict: str, findings: list[dict], complaint=None) -> None:
    units = text.encode("utf-16-le")  # the offsets count UTF-16 code units
    for finding in findings:
        if finding["start"] is None:
            where, quoted = "whole reply", ""
        else:
            before = units[: 2 * finding["start"]].decode("utf-16-le")
            line = before.count("\n") + 1
            column = len(before) - (before.rfind("\n") + 1) + 1
            where = f"line {line}, column {column}"
            quoted = units[2 * finding["start"]: 2 * finding["end"]].decode("utf-16-le")
        print(f"{finding['severity']:<8}{finding['rule']}  ({where})")
        if quoted:
            print(f"        «{quoted}»")
        print(f"        {finding['message']}")
        for suggestion in finding["suggestions"]:
            print(f"        → {suggestion}")
        print(f"        {finding['url']}")
    counts = {severity: sum(f["severity"] == severity for f in findings) for severity in ("error", "warning", "info")}
    summary = ", ".join(f"{count} {severity}" for severity, count in counts.items())
    answered = f"; the comment answered reads as {complaint.kind}" if complaint else ""
    print(f"{verdict}: {summary} (language: {language}{answered})")


def _rules(args) -> int:
    if args.rules_command == "check":
        return _rules_check(args)
    settings = load_settings(args.config)
    for rule in load_rules(None, settings.rules_dir):
        state = " (disabled)" if rule.id in settings.disabled_rules else ""
        origin = " (organisation)" if rule.origin == "organisation" else ""
        print(f"{rule.id:<28}{rule.severity:<9}{rule.title[args.language]}{origin}{state}")
    return 0


def _rules_check(args) -> int:
    from .checking.rule_check import check_rule_folder

    settings = load_settings(args.check_config or args.config)
    problems = check_rule_folder(args.folder, settings, args.templates)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.folder}", file=sys.stderr)
        return EXIT_ERROR_FINDING
    count = len(list(Path(args.folder).glob("*.yml")))
    print(f"{args.folder}: {count} rule file(s), every example flagged as marked", file=sys.stderr)
    return 0


def _serve(args) -> int:
    from . import create_app
    from .web import access_log

    if not load_settings(args.config).api.keys and not is_loopback(args.host):
        raise SettingsError(
            f"refusing to serve on {args.host} without API keys: anyone who can reach it could use it. Make a key "
            f"with `replyguard new-key --id team >> SETTINGS.toml`, start with --config SETTINGS.toml, and give the "
            f"key to the extension; or serve on 127.0.0.1 for this machine only")
    _prepare_metrics_folder()
    app = create_app({"SETTINGS_FILE": args.config, "SITE_DIR": args.site_dir})
    print(f"ReplyGuard API on http://{args.host}:{args.port}/ (settings: {app.extensions['replyguard'].settings.source})",
          file=sys.stderr)
    access_log.send_to(sys.stdout)
    run_gunicorn(app, f"{args.host}:{args.port}", workers=args.workers, graceful_timeout=args.graceful_timeout)
    return 0


def _prepare_metrics_folder() -> None:
    """/metrics adds up every gunicorn worker's counts from files in PROMETHEUS_MULTIPROC_DIR, which must be set before
    prometheus_client is imported (create_app imports it) and must start empty: counts left by an earlier run would
    be served as this one's. Unless the environment names a folder, a fresh one is made and removed at exit."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)  # the client writes there, never creates it
        return
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="replyguard-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    main_pid = os.getpid()
    # Only the main process removes it: gunicorn's workers are forks of it and run the same exit handlers.
    atexit.register(lambda: os.getpid() == main_pid and shutil.rmtree(folder, ignore_errors=True))


def run_gunicorn(app, bind: str, workers: int, graceful_timeout: int = 30) -> None:
    """Serves a WSGI app with gunicorn; bench/http_bench.py serves its bare baseline through here too."""
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": bind,
        "workers": workers,
        "preload_app": True,  # the app (rules, settings) is built once, so a bad file stops the start before any worker
        "graceful_timeout": graceful_timeout,
        "accesslog": None,  # gunicorn's access lines would carry query strings; the app writes its own (access_log.py)
        "control_socket_disable": True,  # unused, and one fixed path in $HOME would clash between instances
    }

    class Server(BaseApplication):
        def load_config(self):
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self):
            return app

    Server().run()


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _new_key(args) -> int:
    if not KEY_ID.fullmatch(args.id):
        raise SettingsError(f"--id {args.id!r}: use letters, digits, '.', '_' and '-' (at most 64)")
    key = "rg_" + secrets.token_urlsafe(32)  # 256 random bits
    print(f'[[api.keys]]\nid = "{args.id}"\nsha256 = "{hashlib.sha256(key.encode()).hexdigest()}"')
    print(f"The API key {args.id!r}; it is shown only this once and stored nowhere, only its SHA-256 above.\n"
          f"Put the lines above in the settings file and give this key to the extension (its options):\n\n{key}\n",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
