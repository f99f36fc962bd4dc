"""A built (non-editable) package works outside the checkout: the rule files, templates and complaint kinds travel with
it, and so does the built playbook site, which `replyguard serve` serves at /playbook/ with nothing else given."""

import html
import json
import re
import signal
import site
import subprocess
import sys
import time
import tomllib
import urllib.request
import venv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import free_port
from replyguard.checking.rules import load_rules
from replyguard.settings import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from the checkout as `pip wheel` builds it (isolated, from pyproject.toml's build requirements),
    installed into a fresh virtual environment outside the checkout; yields the environment's folder. Built once."""
    work = tmp_path_factory.mktemp("packaged")
    env_dir = work / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Dependencies come from the test environment (no network needed); replyguard itself is built and installed.
    env_site = subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                       text=True).strip()
    Path(env_site, "deps.pth").write_text("\n".join(p for p in site.getsitepackages() if "site-packages" in p))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", work / "dist", ROOT],
                   check=True, cwd=work)
    wheel = next((work / "dist").glob("replyguard-*.whl"))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", wheel], check=True, cwd=work)
    installed = subprocess.check_output([python, "-c", "import replyguard; print(replyguard.__file__)"],
                                        text=True, cwd=work)
    assert str(ROOT) not in installed
    return env_dir


def test_installed_package_checks_replies_outside_the_checkout(installed, tmp_path):
    result = subprocess.run([installed / "bin" / "replyguard", "check", "Hej Lone. Du får et gavekort. Mvh Mette"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "no-public-compensation" in result.stdout
    listed = subprocess.check_output([installed / "bin" / "replyguard", "rules"], text=True, cwd=tmp_path)
    shipped = sorted(p.stem for p in (ROOT / "playbook" / "rules").glob("*.yml"))
    assert [line.split()[0] for line in listed.splitlines()] == shipped

    # Everything else the API reads from the playbook travels too: the templates, the complaint kinds, the contract,
    # and the built site, which the app factory serves too; a SITE_DIR (serve --site-dir) still replaces it.
    other_site = tmp_path / "other-site"
    other_site.mkdir()
    (other_site / "index.html").write_text("<h1>Our own playbook</h1>")
    probe = f"""
import json
from replyguard import create_app
client = create_app().test_client()
templates = client.get("/v1/templates?language=da")
kind = client.post("/v1/classify", json={{"text": "Tak for en fantastisk service, I er de bedste!"}})
contract = client.get("/v1/openapi.json")
home = client.get("/playbook/")
other = create_app({{"SITE_DIR": {str(other_site)!r}}}).test_client().get("/playbook/")
print(json.dumps({{"templates": [t["id"] for t in templates.get_json()["templates"]],
                  "kind": kind.get_json()["kind"], "contract": contract.status_code,
                  "home": [home.status_code, home.get_data(as_text=True)],
                  "other": [other.status_code, other.get_data(as_text=True)]}}))
"""
    served = json.loads(subprocess.check_output([installed / "bin" / "python", "-c", probe], text=True, cwd=tmp_path))
    assert served["templates"] == sorted(p.stem for p in (ROOT / "playbook" / "templates").glob("*.yml"))
    assert served["kind"] == "praise"
    assert served["contract"] == 200
    assert served["home"][0] == 200 and "<title>ReplyGuard playbook</title>" in served["home"][1]
    assert served["other"] == [200, "<h1>Our own playbook</h1>"]


def api_context(example_context: dict) -> dict:
    """An example's context as a client sends it: the complaint's age as the time it was posted."""
    context = dict(example_context)
    if "complaint_age_hours" in context:
        posted = datetime.now(timezone.utc) - timedelta(hours=context.pop("complaint_age_hours"))
        context["complaint_posted_at"] = posted.isoformat(timespec="seconds")
    return context


@pytest.fixture
def served(installed, tmp_path):
    """`replyguard serve` of the installed package, with no settings and no --site-dir, started outside the checkout;
    yields its base URL."""
    port = free_port()
    errors = tmp_path / "stderr.txt"
    with open(errors, "wb") as stderr:
        server = subprocess.Popen([installed / "bin" / "replyguard", "serve", "--port", str(port), "--workers", "1"],
                                  cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, errors.read_text()
            try:
                with urllib.request.urlopen(f"{base_url}/v1/health", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"not answering after 60 s: {errors.read_text()}"
                time.sleep(0.2)
        yield base_url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def test_installed_serve_answers_every_findings_url_with_its_rules_page(served):
    for rule in load_rules():
        for language in LANGUAGES:
            example = next(e for e in rule.examples if e.language == language and e.bad)
            request = urllib.request.Request(
                f"{served}/v1/check", headers={"Content-Type": "application/json"},
                data=json.dumps({"text": example.text, "language": language,
                                 "context": api_context(example.context)}).encode())
            with urllib.request.urlopen(request) as response:
                findings = [f for f in json.load(response)["findings"] if f["rule"] == rule.id]
            assert findings, f"{rule.id} ({language}) didn't flag its example: {example.text}"
            url = findings[0]["url"]
            assert url == f"{served}/playbook/{'en/' if language == 'en' else ''}rules/{rule.id}/"
            with urllib.request.urlopen(url) as response:
                assert response.status == 200
                assert response.url == url  # the page itself, no redirect
                heading = re.search(r"<h1[^>]*>(.*?)<a", response.read().decode()).group(1)
            assert html.unescape(heading) == rule.title[language], url


def test_building_needs_what_the_site_and_the_package_need_in_the_same_versions():
    """The wheel's site is built with pyproject.toml's build requirements: the `site` extra and the package's
    dependencies (the site's hooks import the package), pinned as the checkout's own `make site` installs them."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    build_requires = pyproject["build-system"]["requires"]
    expected = pyproject["project"]["optional-dependencies"]["site"] + pyproject["project"]["dependencies"]
    assert sorted(r for r in build_requires if not r.startswith("setuptools")) == sorted(expected)
