"""The extension package an admin uploads to the Chrome Web Store: complete, and asking for no more than it needs."""

import json
import re
import subprocess
import zipfile

from extension_browser import ROOT

ZIP = ROOT / "dist" / "replyguard-extension.zip"
SITES = ["https://www.facebook.com/*", "https://business.facebook.com/*",
         "https://www.trustpilot.com/*", "https://business.trustpilot.com/*"]


def files_the_manifest_names(manifest: dict) -> set[str]:
    names = set(manifest["icons"].values())
    names.add(manifest["background"]["service_worker"])
    names.add(manifest["options_ui"]["page"])
    names.add(manifest["storage"]["managed_schema"])  # without it Chrome gives the extension no policy settings
    for script in manifest["content_scripts"]:
        names.update(script["js"] + script.get("css", []))
    names.update(f"_locales/{locale.name}/messages.json" for locale in (ROOT / "extension" / "_locales").iterdir())
    assert f"_locales/{manifest['default_locale']}/messages.json" in names
    return names


def test_make_extension_builds_a_complete_store_zip():
    subprocess.run(["make", "--silent", "extension"], cwd=ROOT, check=True, capture_output=True)
    with zipfile.ZipFile(ZIP) as package:
        names = set(package.namelist())
        manifest = json.loads(package.read("manifest.json"))  # at the root, where the store looks for it
        options_page = package.read(manifest["options_ui"]["page"]).decode()
        service_worker = package.read(manifest["background"]["service_worker"]).decode()
    assert files_the_manifest_names(manifest) <= names
    assert {f"options/{name}" for name in re.findall(r'(?:src|href)="([^"]+)"', options_page)} <= names
    assert {name.removeprefix("./") for name in re.findall(r"from '([^']+)'", service_worker)} <= names
    assert not [name for name in names if "screenshot" in name or "test" in name or name.startswith(".")]


def test_manifest_asks_for_the_least_it_needs():
    manifest = json.loads((ROOT / "extension" / "manifest.json").read_text())
    assert manifest["manifest_version"] == 3
    assert manifest["permissions"] == ["storage"]
    assert manifest["host_permissions"] == ["http://127.0.0.1/*", "http://localhost/*"]  # the local API, any port
    assert [script["matches"] for script in manifest["content_scripts"]] == [SITES]
    policy = manifest["content_security_policy"]["extension_pages"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
