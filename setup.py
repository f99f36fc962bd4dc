"""Builds the playbook site into the package, so an installed ReplyGuard serves the page every finding links to.

Everything else is configured in pyproject.toml. A wheel (pip install ., pip wheel ., python -m build) gets the site
MkDocs builds from mkdocs.yml and playbook/ as replyguard/site/, built with --strict like `make site`; the tools it
needs are pyproject.toml's build-system requirements. An editable install (pip install -e ., as make does) builds
nothing: replyguard/site in the checkout is a link to ./site, which `make site` builds.
Set REPLYGUARD_PLAYBOOK_URL while building when the site's canonical address isn't http://127.0.0.1:8000/playbook/.
"""

import os
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithSite(build_py):
    def run(self):
        super().run()
        if not self.editable_mode:
            build_site(Path(self.build_lib, "replyguard", "site"))


def build_site(site_dir: Path) -> None:
    # The site's hooks (api/replyguard/site_hooks/) import the package being built, from its sources. (Not through
    # PYTHONPATH: pip's build environment drops from the path whatever the outer environment put on it.)
    run_mkdocs = f"import sys; sys.path.insert(0, {str(ROOT / 'api')!r}); from mkdocs.__main__ import cli; cli()"
    command = [sys.executable, "-c", run_mkdocs, "build", "--strict", "--quiet", "--clean",
               "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site_dir.resolve())]
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        subprocess.run(command, cwd=ROOT, env=environment, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"building the playbook site into the package failed ({error}); see MkDocs' messages above")


setup(cmdclass={"build_py": BuildPyWithSite})
