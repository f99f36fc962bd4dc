"""The `replyguard` command: serve the API, check a reply (or a folder of saved templates in a script), list rules."""

import argparse
import json
import os
import sys

from .rules import RuleError, load_rules, rule_page_url
from .settings import LANGUAGES, SettingsError, load_settings

DEFAULT_PLAYBOOK = "http://127.0.0.1:8000/playbook/"
EXIT_ERROR_FINDING, EXIT_USAGE = 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="replyguard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API (and the built playbook site) with gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--config", help="settings file (TOML); default: the embedded demo settings")
    serve.add_argument("--site-dir", help="built playbook site to serve at /playbook/ (make site builds ./site)")
    serve.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                       help="worker processes (default: 2 per core + 1)")

    check = commands.add_parser("check", help="check a draft reply; exit status 1 when it has an error-level finding")
    check.add_argument("text", nargs="?", help="the reply (default: read --file or standard input)")
    check.add_argument("--file", help="read the reply from this file")
    check.add_argument("--language", choices=(*LANGUAGES, "auto"), default="auto")
    check.add_argument("--config", help="settings file (TOML)")
    check.add_argument("--json", action="store_true", help="print the findings as JSON, as the API returns them")

    rules = commands.add_parser("rules", help="list the playbook's rules")
    rules.add_argument("--language", choices=LANGUAGES, default="da")
    rules.add_argument("--config", help="settings file (TOML)")

    args = parser.parse_args(argv)
    try:
        return {"serve": _serve, "check": _check, "rules": _rules}[args.command](args)
    except (SettingsError, RuleError) as error:
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
    if args.text is not None:
        return args.text
    return sys.stdin.read()


def _check(args) -> int:
    from .engine import Checker

    text = _read_reply(args)
    if not text.strip():
        raise SettingsError("the reply is empty: give it as an argument, with --file, or on standard input")
    settings = load_settings(args.config)
    result = Checker(load_rules(), settings).check(text, args.language)
    base = settings.playbook_base_url or DEFAULT_PLAYBOOK
    findings = [
        {**finding.__dict__, "suggestions": list(finding.suggestions),
         "url": rule_page_url(base, finding.rule, result.language)}
        for finding in result.findings
    ]
    if args.json:
        print(json.dumps({"language": result.language, "verdict": result.verdict, "findings": findings},
                         ensure_ascii=False, indent=2))
    else:
        _print_findings(text, result.language, result.verdict, findings)
    return EXIT_ERROR_FINDING if result.verdict == "block" else 0


def _print_findings(text: str, language: str, verdict: str, findings: list[dict]) -> None:
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
    print(f"{verdict}: {summary} (language: {language})")


def _rules(args) -> int:
    settings = load_settings(args.config)
    for rule in load_rules():
        state = " (disabled)" if rule.id in settings.disabled_rules else ""
        print(f"{rule.id:<28}{rule.severity:<9}{rule.title[args.language]}{state}")
    return 0


def _serve(args) -> int:
    from gunicorn.app.base import BaseApplication

    from . import create_app

    app = create_app({"SETTINGS_FILE": args.config, "SITE_DIR": args.site_dir})

    class Server(BaseApplication):
        """gunicorn with the app built once here, so a bad settings file stops the start before any worker."""

        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("preload_app", True)

        def load(self):
            return app

    print(f"ReplyGuard API on http://{args.host}:{args.port}/ (settings: {app.extensions['replyguard'].settings.source})",
          file=sys.stderr)
    Server().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
