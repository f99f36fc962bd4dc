"""Builds the extension's two packages from this folder (`make extension` runs it):

- dist/replyguard-extension.zip, for the Chrome Web Store (or a Chrome policy install): the files as they are here;
- dist/replyguard-extension-firefox.zip, for Firefox (`web-ext sign`, about:debugging, a Firefox policy install),
  and the same files unpacked in dist/firefox/, which `web-ext lint` and the Firefox tests load.

manifest.json stays Chrome's manifest, and the Firefox one is derived from it here, because the two browsers disagree
on three keys and each flags the other's as unknown: Chrome runs the background as a service worker, Firefox as a
background script (an event page); Firefox needs an add-on id (`browser_specific_settings.gecko`) to sign the
package and to hand the extension its policy settings; and only Chrome reads a managed-storage schema, while Firefox
takes policy settings for any key (settings.js checks them). Everything else, the code included, is the same.

Two things about Firefox are the organisation's to choose (the playbook's admin page on the extension explains them):
- --firefox-id: addons.mozilla.org signs an add-on id for one account only, so a team that signs its own copy gives
  it an id of its own;
- --firefox-api: the team's API address. Firefox gives each installation a random moz-extension:// origin, so the
  API can't let the extension in by CORS as it does Chrome's fixed chrome-extension:// one; the extension reaches the
  API through a host permission instead, which a package built with the address carries (granted on installation).
"""

import argparse
import json
import shutil
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

EXTENSION = Path(__file__).resolve().parent
# What the packages carry: the manifest and what it names (no screenshot, no build script).
SHIPPED = ["manifest.json", "managed_schema.json", *sorted(path.name for path in EXTENSION.glob("*.js")), "_locales",
           "content", "icons", "options"]
DEFAULT_FIREFOX_ID = "replyguard@replyguard.example.dk"
# Firefox ESR 153, the one the tests run (Debian's firefox-esr). The ESR before it, 140, has the CSS Custom Highlight
# API that underlines replies in Facebook's editor, but doesn't let a content script give its shadow root a
# constructed stylesheet (adoptedStyleSheets throws "Accessing from Xray wrapper is not supported"): no badge, no card.
FIREFOX_MIN_VERSION = "153.0"


def firefox_manifest(chrome: dict, addon_id: str, api_url: str = "") -> dict:
    """Chrome's manifest as Firefox reads it: the same extension, its background a module script, with an add-on id,
    and a host permission for the team's API at api_url when one is given."""
    manifest = {key: value for key, value in chrome.items() if key != "storage"}  # the managed-storage schema
    manifest["background"] = {"scripts": [chrome["background"]["service_worker"]], "type": "module"}
    if api_url:
        manifest["host_permissions"] = [*chrome["host_permissions"], api_host_permission(api_url)]
    manifest["browser_specific_settings"] = {"gecko": {
        "id": addon_id,
        "strict_min_version": FIREFOX_MIN_VERSION,
        # Firefox shows this when the extension is installed: replies (the text of a web page's reply box) go to the
        # organisation's ReplyGuard API, which is the only place the extension sends anything.
        "data_collection_permissions": {"required": ["websiteContent"]},
    }}
    return manifest


def api_host_permission(api_url: str) -> str:
    """The match pattern for an API's host (match patterns have no port: any port of that host)."""
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SystemExit(f"--firefox-api must be the API's http(s) address, not {api_url!r}")
    return f"{parts.scheme}://{parts.hostname}/*"


def copy_shipped(destination: Path, names: list[str]) -> None:
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    for name in names:
        source = EXTENSION / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)


def zip_files(package: Path, folder: Path, names: list[str]) -> None:
    """A zip of the named files and folders, with manifest.json at its root, where both stores look for it."""
    package.unlink(missing_ok=True)
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            paths = sorted((folder / name).rglob("*")) if (folder / name).is_dir() else [folder / name]
            for path in paths:
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())


def build(dist: Path, firefox_id: str, firefox_api: str) -> None:
    dist.mkdir(parents=True, exist_ok=True)
    zip_files(dist / "replyguard-extension.zip", EXTENSION, SHIPPED)

    firefox_folder = dist / "firefox"
    firefox_files = [name for name in SHIPPED if name != "managed_schema.json"]
    copy_shipped(firefox_folder, firefox_files)
    chrome = json.loads((EXTENSION / "manifest.json").read_text(encoding="utf-8"))
    manifest = firefox_manifest(chrome, firefox_id, firefox_api)
    (firefox_folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
    zip_files(dist / "replyguard-extension-firefox.zip", firefox_folder, firefox_files)


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("dist", type=Path, help="where the packages go")
    arguments.add_argument("--firefox-id", default="", help=f"the Firefox add-on id (default {DEFAULT_FIREFOX_ID})")
    arguments.add_argument("--firefox-api", default="",
                           help="the team's API address, e.g. https://replyguard.example.dk")
    options = arguments.parse_args()
    build(options.dist, options.firefox_id or DEFAULT_FIREFOX_ID, options.firefox_api)
