"""Every shell command the docs show is run by a test or by ``make prod-check``.

The commands are read from README.md and docs/*.md (``tests/doc_commands.py``). Each must be one of:
- run here: the examples of docs/cli.md, block by block on a freshly loaded demo, and ``RUN_HERE``;
- named by another test that runs it, in a marker comment above the code that does
  (``# doc-command: <the command>``, or ``# doc-commands: <file> <prefix>`` for every command of a ``sh``
  block of that file starting with that prefix);
- started by ``make prod-check`` (``DOC_COMMANDS`` in tools/prod_check.py), or a line of ``.ci/run``.
The reverse holds too: a marker or a list entry that names no command of the docs fails, so the lists
keep in step with the docs. docs/development.md (*These docs*) says how to add a command.
"""
from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    ApiToken, Campaign, CampaignStatus, Cycle, Delivery, DeliveryStatus, MailingList, Subscriber, Subscription,
    SubscriptionStatus,
)
from tests.conftest import FIXTURES, make_app
from tests.doc_commands import (
    ROOT, DocCommand, all_commands, canonical, commands_in, fenced_blocks, run_flask, split_environment,
)
from tests.test_migrations import empty_database  # noqa: F401 (fixture)

CLI_DOC = ROOT / "docs" / "cli.md"
SETUP_HEADING = "Examples on the demo"  # the block under it (demo load) starts every section
MARKER = re.compile(r"^\s*# doc-command: (.+?)\s*$", re.M)
FAMILY = re.compile(r"^\s*# doc-commands: (\S+) (.+?)\s*$", re.M)

# Commands of the docs this module runs itself, in test_the_operations_and_development_examples_run.
RUN_HERE = (
    "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem",
    "openssl genpkey -algorithm ed25519 -out dkim-ed.pem",
    "flask --app wsgi dns records --ip 203.0.113.10",
    "flask --app wsgi backup create --out lettrine.tar.gz",
    "flask --app wsgi backup create --out lettrine-secrets.tar.gz --with-secrets",
    "flask --app wsgi backup restore lettrine.tar.gz",
    "flask --app wsgi db upgrade",
    ".venv/bin/pybabel compile -d app/translations",
    ".venv/bin/pytest -q tests/test_docs_links.py",
)


def _test_sources() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "tests").glob("*.py"))}


def _prod_check_commands() -> tuple[str, ...]:
    tree = ast.parse((ROOT / "tools" / "prod_check.py").read_text(encoding="utf-8"))
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign)
                                                                      else None)
        if isinstance(target, ast.Name) and target.id == "DOC_COMMANDS":
            return tuple(ast.literal_eval(node.value).values())
    raise AssertionError("tools/prod_check.py has no DOC_COMMANDS")


def _ci_lines() -> list[list[str]]:
    lines = []
    for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            lines.append(words)
    return lines


def _coverage():
    singles: dict[str, str] = {canonical(c): "tests/test_docs_commands.py (RUN_HERE)" for c in RUN_HERE}
    families: list[tuple[str, str, str]] = []
    for name, source in _test_sources().items():
        for command in MARKER.findall(source):
            singles[canonical(command)] = f"tests/{name}"
        for path, prefix in FAMILY.findall(source):
            families.append((path, prefix, f"tests/{name}"))
    for command in _prod_check_commands():
        singles[canonical(command)] = "tools/prod_check.py"
    return singles, families, _ci_lines()


def _covered_by(command: DocCommand, singles, families, ci) -> str | None:
    if command.canonical in singles:
        return singles[command.canonical]
    if command.lang != "console":
        for path, prefix, test in families:
            if command.path == path and command.text.lstrip().startswith(prefix):
                return test
    words = command.words
    if any(line[:len(words)] == words for line in ci):
        return ".ci/run"
    return None


def test_the_docs_show_commands_and_each_is_run_by_a_test_or_prod_check():
    commands = all_commands()
    assert len(commands) >= 60, len(commands)  # the extraction finds the blocks (a broken fence finds none)
    singles, families, ci = _coverage()
    missing = [command.where() for command in commands if _covered_by(command, singles, families, ci) is None]
    assert not missing, ("shown in the docs, run by nothing (see docs/development.md, These docs):\n"
                         + "\n".join(missing))


def test_every_marker_and_list_names_a_command_of_the_docs():
    commands = all_commands()
    shown = {command.canonical for command in commands}
    singles, families, _ = _coverage()
    stale = sorted(f"{where}: {command}" for command, where in singles.items() if command not in shown)
    assert not stale, "named but shown nowhere in the docs:\n" + "\n".join(stale)
    for path, prefix, test in families:
        assert any(c.path == path and c.lang != "console" and c.text.lstrip().startswith(prefix) for c in commands), \
            f"{test}: '# doc-commands: {path} {prefix}' matches no command"


def test_extraction_reads_blocks_as_a_shell_would(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# T\n\n```sh\n# a comment\nflask --app wsgi a   # trailing\ncurl -d '{\"x\":\n 1}' \\\n"
                    "  https://h/p\n```\n\n  ```console\n  $ flask --app wsgi b\n  Error: b\n  ```\n\n"
                    "```text\nflask --app wsgi c\n```\n", encoding="utf-8")
    (tmp_path / "README.md").touch()
    import tests.doc_commands as module

    saved = module.ROOT
    module.ROOT = tmp_path
    try:
        found = commands_in(page)
    finally:
        module.ROOT = saved
    assert [(c.line, c.lang, c.canonical) for c in found] == [
        (5, "sh", "flask --app wsgi a"),
        (6, "sh", "curl -d '{\"x\":\n 1}' https://h/p"),
        (12, "console", "flask --app wsgi b"),
    ]


# The reference table of docs/cli.md against the commands Lettrine registers.

NOT_OURS = {"run", "shell", "routes", "db", "limiter", "openapi"}  # Flask's, Flask-Migrate's and extensions'


def _leaves(command: click.Command, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    if isinstance(command, click.Group):
        return {leaf for name, sub in command.commands.items() for leaf in _leaves(sub, path + (name,))}
    return {path}


def _reference_rows() -> list[str]:
    source = CLI_DOC.read_text(encoding="utf-8")
    table = source[source.index("\n## Reference"):source.index("\n## Examples on the demo")]
    return [row.group(1).replace("\\|", "|") for row in re.finditer(r"^\| `(flask --app wsgi [^`]+)` \|", table, re.M)]


def test_the_reference_names_every_command_and_only_real_options(app):
    rows = _reference_rows()
    assert len(rows) >= 40
    documented: set[tuple[str, ...]] = set()
    for synopsis in rows:
        words = synopsis.split()[3:]
        commands: list[tuple[tuple[str, ...], click.Command]] = [((), app.cli)]
        for word in words:
            if not any(isinstance(cmd, click.Group) for _, cmd in commands):
                break
            commands = [(path + (name,), cmd.commands[name]) for path, cmd in commands for name in word.split("|")
                        if isinstance(cmd, click.Group) and name in cmd.commands] or pytest.fail(
                f"`{synopsis}`: no command {word!r}")
        for path, command in commands:
            assert not isinstance(command, click.Group), f"`{synopsis}`: {' '.join(path)} is a group"
            options = {opt for param in command.params for opt in param.opts}
            for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", " ".join(synopsis.split()[3:])):
                assert option in options, f"`{synopsis}`: {' '.join(path)} has no {option}"
            documented.add(path)
    ours = {leaf for name, command in app.cli.commands.items() if name not in NOT_OURS for leaf in _leaves(command, (name,))}
    assert ours - documented == set(), f"commands missing from the reference of docs/cli.md: {sorted(ours - documented)}"
    assert ("db", "upgrade") in documented


# The examples of docs/cli.md, run block by block on the demo.

def _cli_sections() -> dict[str, list[DocCommand]]:
    sections: dict[str, list[DocCommand]] = {}
    for command in commands_in(CLI_DOC):
        if command.lang != "console":
            sections.setdefault(command.heading, []).append(command)
    return sections


SECTIONS = _cli_sections()
PASSWORD_TWICE = "mot-de-passe-long\nmot-de-passe-long\n"


def _guide_csv() -> str:
    """The example CSV of the guide (docs/guide.md, Importer et exporter): contacts.csv of the examples."""
    [body] = ["\n".join(lines) + "\n" for lang, _, _, lines in fenced_blocks(ROOT / "docs" / "guide.md") if lang == "csv"]
    return body


def _prepare(folder: Path) -> None:
    (folder / "contacts.csv").write_text(_guide_csv(), encoding="cp1252")  # as Excel saves « CSV séparateur point-virgule »
    shutil.copy(FIXTURES / "bounces" / "rfc3464-a3-user-unknown.eml", folder / "retour.eml")


def _person(email: str) -> Subscriber:
    return db.session.scalars(select(Subscriber).where(Subscriber.email == email)).one()


def _check_section(heading: str, outputs: dict[str, str], folder: Path) -> None:
    """What each block of examples must have done, beyond exiting 0."""
    db.session.expire_all()
    if heading == "Subscribers and lists":
        lettre = db.session.scalars(select(MailingList).where(MailingList.slug == "lettre")).one()
        pending = db.session.scalars(select(Subscription).where(Subscription.list_id == lettre.id)).all()
        assert sorted(s.status for s in pending) == [SubscriptionStatus.PENDING] * 2
        assert (folder / "formations.csv").read_bytes().startswith(b"\xef\xbb\xbfCourriel;")
        assert "claire.dupont@example.org" in (folder / "formations.csv").read_text(encoding="utf-8-sig")
        assert "ancienne-asso.fr" in outputs["suppressions list"] and "structure dissoute" in outputs["suppressions list"]
    elif heading == "Campaigns and sending":
        assert b"Subject:" in (folder / "annonce.eml").read_bytes()
        announcement = db.session.scalars(select(Campaign).where(Campaign.slug == "annonce-contrat-de-ville-2016")).one()
        assert announcement.status == CampaignStatus.SENT
        statuses = db.session.scalars(select(Delivery.status).where(Delivery.campaign_id == announcement.id)).all()
        assert statuses and set(statuses) == {DeliveryStatus.SENT}
        assert json.loads(outputs["scheduler --once"]).keys() >= {"started", "missed"}
    elif heading == "Events":
        assert (folder / "emargement.pdf").read_bytes().startswith(b"%PDF")
        certificates = list((folder / "attestations").glob("*.pdf"))
        assert [p.name for p in certificates] == ["attestation-kossi-laura.pdf"]
        attendance = json.loads(outputs["events attendance"])
        [laura] = attendance["people"]
        assert [j["present"] for j in laura["journees"]] == [["am", "pm"], ["am"]]
    elif heading == "Bounces and privacy":
        report = json.loads(outputs["bounces process"].splitlines()[0])
        assert report["kind"] == "hard" and report["reason"] == "userunknown"
        assert json.loads(outputs["privacy export"])["subscriber"]["email"] == "laura.kossi@example.org"
        assert db.session.scalars(select(Subscriber).where(Subscriber.email == "anne.sauvayre@example.org")).first() is None
    elif heading == "API tokens":
        assert outputs["tokens create"].startswith("lt_")
        assert db.session.get(ApiToken, 1).revoked_at is not None
    else:
        raise AssertionError(f"docs/cli.md has a new block of examples, {heading!r}: say here what it must do")


@pytest.mark.parametrize("heading", [h for h in SECTIONS if h != SETUP_HEADING])
# doc-commands: docs/cli.md flask --app wsgi
def test_the_command_line_examples_run_on_the_demo(app, tmp_path, monkeypatch, heading):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "docs")
    _prepare(tmp_path)
    outputs: dict[str, str] = {}
    for command in SECTIONS[SETUP_HEADING] + SECTIONS[heading]:
        key = " ".join(command.words[3:5])
        stdin = PASSWORD_TWICE if key == "users create" else None
        outputs[key] = run_flask(app, command, stdin=stdin).output
    _check_section(heading, outputs, tmp_path)


def test_the_examples_cover_each_block_of_docs_cli():
    assert set(SECTIONS) == {SETUP_HEADING, "Subscribers and lists", "Campaigns and sending", "Events",
                             "Bounces and privacy", "API tokens"}
    assert [c.canonical for c in SECTIONS[SETUP_HEADING]] == ["flask --app wsgi demo load"]


# The other examples: DKIM keys and DNS records, backups and restore, translations, a test run.

def _shown(command: str) -> DocCommand:
    """The command as the docs write it (the first place that shows it)."""
    return next(c for c in all_commands() if c.canonical == canonical(command))


def _run(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """A documented command in a subprocess, ``.venv/bin/…`` taken from this checkout."""
    extra, words = split_environment(shlex.split(_shown(command).text, comments=True))
    if words[0].startswith(".venv/"):
        words[0] = str(ROOT / words[0])
    done = subprocess.run(words, cwd=cwd, env={**os.environ, **extra, **env}, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def test_the_operations_and_development_examples_run(app, tmp_path, monkeypatch, empty_database):
    monkeypatch.chdir(tmp_path)
    run_flask(app, "flask --app wsgi demo load")

    # DKIM keys (docs/operations.md), then the records to publish with the RSA one configured.
    _run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem", tmp_path)
    _run("openssl genpkey -algorithm ed25519 -out dkim-ed.pem", tmp_path)
    assert b"PRIVATE KEY" in (tmp_path / "dkim-ed.pem").read_bytes()
    signed = make_app(app.config["SQLALCHEMY_DATABASE_URI"], DKIM_DOMAIN="crpve91.fr", DKIM_SELECTOR="lettrine",
                      DKIM_PRIVATE_KEY_FILE=str(tmp_path / "dkim.pem"))
    records = run_flask(signed, _shown("flask --app wsgi dns records --ip 203.0.113.10")).output
    assert "ip4:203.0.113.10" in records and "lettrine._domainkey.crpve91.fr." in records and "v=DKIM1" in records
    assert "_dmarc.crpve91.fr." in records

    # Backups, and a restore into an empty database, then the migrations on it.
    run_flask(app, _shown("flask --app wsgi backup create --out lettrine.tar.gz"))
    run_flask(app, _shown("flask --app wsgi backup create --out lettrine-secrets.tar.gz --with-secrets"))
    assert (tmp_path / "lettrine.tar.gz").read_bytes()[:2] == b"\x1f\x8b"  # gzip
    restored = make_app(empty_database)
    run_flask(restored, _shown("flask --app wsgi backup restore lettrine.tar.gz"))
    run_flask(restored, _shown("flask --app wsgi db upgrade"))
    with restored.app_context():
        assert db.session.scalars(select(Cycle.slug)).all() == ["contrat-de-ville-2016"]
        db.session.remove()
        db.engine.dispose()

    # The translations, compiled from a copy of the catalogue (the checkout's own is left alone).
    shutil.copytree(ROOT / "app" / "translations", tmp_path / "app" / "translations")
    _run(".venv/bin/pybabel compile -d app/translations", tmp_path)
    assert (tmp_path / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000


@pytest.mark.slow  # a pytest process of its own: its start alone takes seconds
def test_the_test_run_of_the_development_guide_passes(tmp_path):
    done = _run(".venv/bin/pytest -q tests/test_docs_links.py", ROOT, PYTEST_ADDOPTS="-p no:cacheprovider")
    assert re.search(r"^\d+ passed", done.stdout, re.M), done.stdout[-500:]


def test_the_docs_name_every_api_scope():
    """docs/cli.md (``tokens create``) and docs/api.md list the scopes by hand: each one the API knows."""
    from app.services.integrations import SCOPES

    for page in ("cli.md", "api.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert [scope for scope in SCOPES if f"`{scope}`" not in text] == [], page
