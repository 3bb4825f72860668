"""The README's images are committed files: a fresh clone shows them (screenshots/ itself is git-ignored)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.png)\)")


def test_every_readme_image_is_a_tracked_file_under_docs():
    images = IMAGE.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(images) >= 8
    tracked = set(subprocess.run(["git", "ls-files", "docs/screenshots"], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.split())
    for image in images:
        assert image.startswith("docs/screenshots/"), image  # never the git-ignored screenshots/
        assert image in tracked, f"{image} is not committed"


def test_the_committed_screenshots_stay_small():
    files = list((ROOT / "docs" / "screenshots").glob("*.png"))
    assert files
    assert sum(f.stat().st_size for f in files) < 3 * 1024 * 1024
    assert max(f.stat().st_size for f in files) < 400 * 1024
