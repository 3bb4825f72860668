"""The docs hold together on a fresh clone: every relative link and image of README.md and docs/*.md points
to a committed file (screenshots/ itself is git-ignored: the docs show docs/screenshots/), every #anchor to
a heading of its page, every committed screenshot is shown somewhere, and each page of docs/ opens with its
table of contents."""
from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path
from urllib.parse import unquote

from tests.doc_commands import ROOT, doc_files

LINK = re.compile(r"(!?)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
# Written by other work on issue 21; linked already. The lead removes this allowance at merge.
PENDING: set[str] = set()  # pages other work will write: none now


def _tracked() -> set[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(listed.split())


def _links(path: Path) -> list[tuple[bool, str]]:
    text = CODE.sub("", path.read_text(encoding="utf-8"))
    return [(bang == "!", target) for bang, target in LINK.findall(text)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters with accents kept), spaces to '-'."""
    text = re.sub(r"`|\*\*|\*", "", heading.strip().lower())
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = CODE.sub("", path.read_text(encoding="utf-8"))
    return {slug(h) for h in re.findall(r"^#{1,6} +(.+?) *$", text, re.M)}


def test_every_relative_link_and_image_is_a_committed_file_and_every_anchor_a_heading():
    tracked = _tracked()
    problems = []
    count = 0
    for page in doc_files():
        for is_image, target in _links(page):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            count += 1
            file_part, _, anchor = target.partition("#")
            resolved = (page.parent / unquote(file_part)).resolve() if file_part else page.resolve()
            relative = resolved.relative_to(ROOT).as_posix()
            where = f"{page.relative_to(ROOT)}: {target}"
            if relative in PENDING:
                continue
            if relative not in tracked and not (resolved.is_dir() and any(t.startswith(relative + "/") for t in tracked)):
                problems.append(f"{where} → {relative} is not committed")
                continue
            if is_image:
                assert not relative.startswith("screenshots/"), where  # the git-ignored folder
            if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                problems.append(f"{where} → no heading #{anchor} in {relative}")
    assert count >= 60
    assert not problems, "\n".join(problems)


def test_the_readme_is_short_shows_three_screenshots_and_links_to_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 250
    images = [target for is_image, target in _links(ROOT / "README.md") if is_image]
    assert len(images) == 3 and all(i.startswith("docs/screenshots/") for i in images), images
    linked = {target.partition("#")[0] for is_image, target in _links(ROOT / "README.md") if not is_image}
    for page in ("guide", "operations", "configuration", "cli", "api", "architecture", "development", "benchmarks"):
        assert f"docs/{page}.md" in linked, page
    assert "make run" in readme and "make test" in readme


def test_every_committed_screenshot_is_shown_and_they_stay_small():
    shown = {(page.parent / target).resolve() for page in doc_files() for is_image, target in _links(page) if is_image}
    files = sorted((ROOT / "docs" / "screenshots").glob("*.png"))
    assert files
    assert [f.name for f in files if f.resolve() not in shown] == []
    assert sum(f.stat().st_size for f in files) < 3 * 1024 * 1024
    assert max(f.stat().st_size for f in files) < 400 * 1024


def test_each_page_of_docs_opens_with_its_table_of_contents():
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.relative_to(ROOT).as_posix() in PENDING:
            continue  # not this work's pages
        text = page.read_text(encoding="utf-8")
        first_section = re.search(r"^## (.+)$", text, re.M)
        assert first_section and first_section.group(1) in ("Contents", "Sommaire"), page.name
        toc = text[first_section.end():text.index("\n## ", first_section.end())]
        entries = re.findall(r"\]\(#([^)]+)\)", toc)
        sections = [slug(h) for h in re.findall(r"^## +(.+?) *$", text, re.M)][1:]
        assert entries and set(sections) <= set(entries), (page.name, set(sections) - set(entries))


def test_the_slugs_follow_github():
    assert slug("Le composeur : écrire une campagne") == "le-composeur--écrire-une-campagne"
    assert slug("L'espace d'administration") == "lespace-dadministration"
    assert slug("Subscribers and lists") == "subscribers-and-lists"
    assert slug("`flask dev`, **port**") == "flask-dev-port"
