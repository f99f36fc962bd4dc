"""Who gets in: the team's key on every API route, CORS for its extension only, a rate limit per key, and a server
that won't start open to the network. Also the settings that control all of this, and `replyguard serve` itself."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from limits.errors import StorageError

from conftest import free_port, write_settings
from replyguard import create_app
from replyguard.web.access import is_open
from replyguard.settings import DEFAULT_SETTINGS_TEXT, SettingsError, parse_settings

KEY = "rg_test-key-for-the-team-0123456789abcdefghij"
OTHER_KEY = "rg_test-key-for-the-office-9876543210zyxwvut"
EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
REPLY = {"text": "Hej Lone. Det er vi kede af. Ring til os på 70 20 30 40. Mvh Mette"}


def api_settings(tmp_path, api_table: str = "", keys: dict | None = None) -> str:
    return write_settings(tmp_path / "team.toml", api_table, keys)


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keyed_client(tmp_path):
    app = create_app({"SETTINGS_FILE": api_settings(tmp_path, keys={"team": KEY, "office": OTHER_KEY})})
    app.add_url_rule("/v9/future", "future", lambda: "not for strangers")  # an endpoint someone adds later
    return app.test_client()


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": KEY},
    {"Authorization": f"Basic {KEY}"},
    {"Authorization": "Bearer "},
    bearer("rg_a-guessed-key"),
    bearer(KEY[:-1]),
    bearer(hashlib.sha256(KEY.encode()).hexdigest()),  # the stored digest is not a key
])
def test_check_without_a_valid_key_gets_401_json(keyed_client, headers):
    response = keyed_client.post("/v1/check", json=REPLY, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == 401
    assert "key" in response.get_json()["error"]["message"]
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert "findings" not in response.get_data(as_text=True)


def test_every_route_but_health_description_and_site_needs_a_key(keyed_client):
    app = keyed_client.application
    checked = []
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<path:path>", "index.html")
        if is_open(path):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = keyed_client.open(path, method=method, json=REPLY)
            assert response.status_code == 401, (method, path)
            checked.append(path)
    assert {"/v1/check", "/v1/rules", "/v9/future"} <= set(checked)


def test_the_right_key_gets_in_and_each_key_is_accepted(keyed_client):
    for key in (KEY, OTHER_KEY):
        response = keyed_client.post("/v1/check", json=REPLY, headers=bearer(key))
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["verdict"] in ("ok", "review", "block")
    assert keyed_client.get("/v9/future", headers={"Authorization": f"bearer {KEY}"}).status_code == 200


def test_health_description_and_playbook_site_are_open(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>Svarguide</h1>", encoding="utf-8")
    app = create_app({"SETTINGS_FILE": api_settings(tmp_path, keys={"team": KEY}), "SITE_DIR": str(site)})
    client = app.test_client()
    assert client.get("/v1/health").get_json()["status"] == "ok"
    assert client.get("/v1/openapi.json").get_json()["openapi"].startswith("3.1")
    assert "Svarguide" in client.get("/playbook/").get_data(as_text=True)
    assert client.get("/playbook").status_code == 301


def test_a_key_made_by_new_key_works_and_only_its_hash_is_stored(tmp_path):
    made = subprocess.run([sys.executable, "-m", "replyguard.cli", "new-key", "--id", "team-laptops"],
                          capture_output=True, text=True, check=True)
    key = made.stderr.strip().splitlines()[-1]
    settings = tmp_path / "team.toml"
    settings.write_text(DEFAULT_SETTINGS_TEXT + "\n" + made.stdout, encoding="utf-8")
    assert key not in settings.read_text(encoding="utf-8") and len(key) >= 40

    client = create_app({"SETTINGS_FILE": str(settings)}).test_client()
    assert client.post("/v1/check", json=REPLY, headers=bearer(key)).status_code == 200
    assert client.post("/v1/check", json=REPLY, headers=bearer(key + "x")).status_code == 401


def test_new_key_refuses_an_id_that_would_not_load():
    result = subprocess.run([sys.executable, "-m", "replyguard.cli", "new-key", "--id", "team laptops"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "--id" in result.stderr and "Traceback" not in result.stderr


def test_without_keys_only_this_machine_gets_in(client):
    assert client.post("/v1/check", json=REPLY).status_code == 200  # the extension's tests: 127.0.0.1, no keys
    assert client.post("/v1/check", json=REPLY, environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    remote = client.post("/v1/check", json=REPLY, environ_base={"REMOTE_ADDR": "192.168.1.20"})
    assert remote.status_code == 403 and "new-key" in remote.get_json()["error"]["message"]
    proxied = client.post("/v1/check", json=REPLY, headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403
    assert client.get("/v1/health", environ_base={"REMOTE_ADDR": "192.168.1.20"}).status_code == 200


def test_cors_lets_in_only_the_configured_extension_and_playbook_site(tmp_path):
    settings = api_settings(tmp_path, f'extension_origins = ["{EXTENSION}"]', keys={"team": KEY})
    settings_text = open(settings, encoding="utf-8").read()
    with open(settings, "w", encoding="utf-8") as file:
        file.write(settings_text.replace('base_url = ""', 'base_url = "https://guide.example.dk/playbook/"'))
    client = create_app({"SETTINGS_FILE": settings}).test_client()

    for origin in (EXTENSION, "https://guide.example.dk"):
        answer = client.post("/v1/check", json=REPLY, headers={**bearer(KEY), "Origin": origin})
        assert answer.headers["Access-Control-Allow-Origin"] == origin
        preflight = client.options("/v1/check", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == origin
        assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()

    for stranger in ("https://www.facebook.com", "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba", "null"):
        answer = client.post("/v1/check", json=REPLY, headers={**bearer(KEY), "Origin": stranger})
        assert "Access-Control-Allow-Origin" not in answer.headers
        preflight = client.options("/v1/check", headers={"Origin": stranger, "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in preflight.headers


def test_rate_limit_per_key_answers_429_with_retry_after(tmp_path):
    settings = api_settings(tmp_path, 'rate_limit = "3 per minute"', keys={"team": KEY, "office": OTHER_KEY})
    client = create_app({"SETTINGS_FILE": settings}).test_client()
    for _ in range(3):
        assert client.post("/v1/check", json=REPLY, headers=bearer(KEY)).status_code == 200
    refused = client.post("/v1/check", json=REPLY, headers=bearer(KEY))
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == 429
    assert "3 per 1 minute" in refused.get_json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.post("/v1/check", json=REPLY, headers=bearer(OTHER_KEY)).status_code == 200  # its own budget
    assert client.get("/v1/health").status_code == 200  # load balancers are never limited


def test_rate_limit_without_keys_counts_per_address(tmp_path):
    client = create_app({"SETTINGS_FILE": api_settings(tmp_path, 'rate_limit = "2 per minute"')}).test_client()
    statuses = [client.get("/v1/rules").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/v1/rules", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_rate_limit_is_one_budget_per_key_across_routes(tmp_path):
    client = create_app({"SETTINGS_FILE": api_settings(tmp_path, 'rate_limit = "2 per minute"', keys={"team": KEY})}
                        ).test_client()
    assert client.post("/v1/check", json=REPLY, headers=bearer(KEY)).status_code == 200
    assert client.get("/v1/rules", headers=bearer(KEY)).status_code == 200
    assert client.post("/v1/classify", json={"text": "Elendig service!"}, headers=bearer(KEY)).status_code == 429


def test_unreachable_rate_limit_store_counts_in_the_process_instead_of_failing(tmp_path, monkeypatch):
    app = create_app({"SETTINGS_FILE": api_settings(tmp_path, 'rate_limit = "2 per minute"', keys={"team": KEY})})

    def unreachable(*args, **kwargs):
        raise StorageError(ConnectionError("connection refused"))

    monkeypatch.setattr(app.extensions["replyguard.rate_limit"].shared.storage, "incr", unreachable)
    client = app.test_client()
    statuses = [client.post("/v1/check", json=REPLY, headers=bearer(KEY)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("api_table, words", [
    ('rate_limit = "lots"', "api.rate_limit must be a rate"),
    ("max_body_bytes = 0", "api.max_body_bytes must be a whole number above 0"),
    ('max_text_length = "long"', "api.max_text_length must be a whole number"),
    ('extension_origins = ["https://example.com"]', "chrome-extension://ID"),
    ("keys = 3", "api.keys must be a list of tables"),
    ('[[api.keys]]\nid = "team"\nsha256 = "not-a-digest"', "64 lowercase hex digits"),
    ('[[api.keys]]\nid = "team"\nkey = "rg_plain"', "id (letters, digits, . _ -) and sha256"),
    (f'[[api.keys]]\nid = "a"\nsha256 = "{"0" * 64}"\n[[api.keys]]\nid = "a"\nsha256 = "{"1" * 64}"', "used twice"),
    ("rate_limt = 5", "unknown setting(s) in [api]: rate_limt"),
])
def test_bad_api_settings_are_refused_naming_the_field(api_table, words):
    with pytest.raises(SettingsError) as error:
        parse_settings(f'[organisation]\nname = "X"\n[api]\n{api_table}\n', "team.toml")
    assert words in str(error.value) and str(error.value).startswith("team.toml: ")


def test_unusable_rate_limit_store_stops_the_start_with_a_message(tmp_path):
    settings = api_settings(tmp_path, 'rate_limit_storage = "nosuchstore://localhost"', keys={"team": KEY})
    with pytest.raises(SettingsError, match="api.rate_limit_storage"):
        create_app({"SETTINGS_FILE": settings})


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "replyguard.cli", *args], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "replyguard.example.dk"])
def test_serve_refuses_the_network_without_keys_and_says_how_to_add_one(host):
    result = run_cli("serve", "--host", host, "--port", "0")
    assert result.returncode == 2
    assert "without API keys" in result.stderr and "replyguard new-key" in result.stderr
    assert "Traceback" not in result.stderr


def wait_for_health(base: str, process: subprocess.Popen) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with urllib.request.urlopen(f"{base}/v1/health", timeout=2) as response:
                return json.load(response)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("replyguard serve did not answer /v1/health within a minute")


def test_serve_answers_health_and_stops_cleanly_on_sigterm(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "replyguard.cli", "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env={**os.environ, "HOME": str(tmp_path)})
    try:
        assert wait_for_health(f"http://127.0.0.1:{port}", process)["status"] == "ok"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Shutting down" in err and "Traceback" not in err
    access = [json.loads(line) for line in out.splitlines()]
    assert {"method": "GET", "path": "/v1/health", "status": 200, "key": None}.items() <= access[-1].items()


def test_languagetool_clients_may_send_the_key_as_languagetools_apikey_parameter(keyed_client):
    """LanguageTool's add-ons send a key as the apiKey form field (with username); only /v2 reads it."""
    form = {"text": "Hej Lone. Du får et gavekort. Mvh Mette", "language": "da", "username": "mette@example.dk"}
    assert keyed_client.post("/v2/check", data={**form, "apiKey": KEY}).status_code == 200
    assert keyed_client.get("/v2/languages", query_string={"apiKey": OTHER_KEY}).status_code == 200
    refused = keyed_client.post("/v2/check", data={**form, "apiKey": "rg_not-a-key"})
    assert refused.status_code == 401 and refused.get_json()["error"]["message"] == "the API key is not valid"
    missing = keyed_client.post("/v2/check", data=form)
    assert missing.status_code == 401 and "apiKey" in missing.get_json()["error"]["message"]
    assert keyed_client.post("/v1/check", json=REPLY, query_string={"apiKey": KEY}).status_code == 401
