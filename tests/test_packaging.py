"""A built (non-editable) package works outside the checkout: the rule files, templates and complaint kinds travel with it."""

import json
import site
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_installed_package_checks_replies_outside_the_checkout(tmp_path):
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Dependencies come from the test environment (no network needed); replyguard itself is built and installed.
    env_site = subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                       text=True).strip()
    Path(env_site, "deps.pth").write_text("\n".join(p for p in site.getsitepackages() if "site-packages" in p))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path / "dist", ROOT],
                   check=True, cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("replyguard-*.whl"))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", wheel], check=True, cwd=tmp_path)
    installed = subprocess.check_output([python, "-c", "import replyguard; print(replyguard.__file__)"],
                                        text=True, cwd=tmp_path)
    assert str(ROOT) not in installed

    result = subprocess.run([env_dir / "bin" / "replyguard", "check", "Hej Lone. Du får et gavekort. Mvh Mette"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "no-public-compensation" in result.stdout
    listed = subprocess.check_output([env_dir / "bin" / "replyguard", "rules"], text=True, cwd=tmp_path)
    shipped = sorted(p.stem for p in (ROOT / "playbook" / "rules").glob("*.yml"))
    assert [line.split()[0] for line in listed.splitlines()] == shipped

    # Everything else the API reads from the playbook travels too: the templates, the complaint kinds, the contract.
    probe = """
import json
from replyguard import create_app
client = create_app().test_client()
templates = client.get("/v1/templates?language=da")
kind = client.post("/v1/classify", json={"text": "Tak for en fantastisk service, I er de bedste!"})
contract = client.get("/v1/openapi.json")
print(json.dumps({"templates": [t["id"] for t in templates.get_json()["templates"]],
                  "kind": kind.get_json()["kind"], "contract": contract.status_code}))
"""
    served = json.loads(subprocess.check_output([python, "-c", probe], text=True, cwd=tmp_path))
    assert served["templates"] == sorted(p.stem for p in (ROOT / "playbook" / "templates").glob("*.yml"))
    assert served["kind"] == "praise"
    assert served["contract"] == 200
