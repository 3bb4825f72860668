"""Write deploy/lettrine.env and docs/configuration.md from the one declaration, ``config.Settings``.

Usage: ``python tools/settings_docs.py`` rewrites both files; ``--check`` only says whether
they are up to date (exit 1 when not). tests/test_settings.py runs the check, so a setting
added to ``config.py`` without regenerating fails the suite.
"""
from __future__ import annotations

import re

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from config import Declared, declared_settings  # noqa: E402

ENV_FILE = ROOT / "deploy" / "lettrine.env"
REFERENCE = ROOT / "docs" / "configuration.md"
GENERATED = "Written by tools/settings_docs.py from config.Settings: change the declaration there, then run it."

ENV_HEADER = f"""\
# /etc/lettrine/lettrine.env — Lettrine's settings, read by every unit (EnvironmentFile=).
# Owner root, group lettrine, mode 0640: it holds secrets. One VAR=value per line, no quotes
# needed (systemd strips one pair of surrounding quotes). Changing it: restart lettrine.target.
# Uncommented lines are what production needs; commented ones show an example or the default.
# Production refuses to start on a missing or malformed setting and says which.
# {GENERATED}
"""

REFERENCE_HEADER = f"""\
# Configuration reference

<!-- {GENERATED} -->

Lettrine reads its settings from the environment: in production from
`/etc/lettrine/lettrine.env` (every systemd unit loads it, `deploy/lettrine.env` is the
template), in development also from a `.env` file beside `config.py`. Nothing else in the
application reads the environment: `config.Settings` declares every setting once (variable,
type, default, secret or not, what it is for), `config.load_settings()` reads and checks them
all at start-up, and the application reads them from `app.config` under the key given below.

- With `LETTRINE_ENV=production` a missing required setting, or any malformed one, stops the
  start-up with a message naming each (`Configuration invalide / invalid configuration: …`).
- Outside production the defaults let `make run` work with nothing set (SQLite under
  `instance/`, a development key kept there, the outbox instead of SMTP).
- Secrets are never shown (the admin's *Paramètres* page says only whether they are set) and
  are left out of the settings' `repr`, hence out of logs and tracebacks.
- A test (`tests/test_settings.py`) fails when the code reads an `app.config` key that is not
  declared, and when this page or `deploy/lettrine.env` is out of date.
"""


def _value_text(value: Any) -> str:
    """A default or example as it is written in the environment."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def _sections() -> dict[str, list[Declared]]:
    sections: dict[str, list[Declared]] = {}
    for item in declared_settings():
        sections.setdefault(item.setting.section, []).append(item)
    return sections


def environment_file() -> str:
    """deploy/lettrine.env: the production template, every setting with its comment."""
    lines = [ENV_HEADER.rstrip("\n")]
    for section, items in _sections().items():
        lines += ["", f"# --- {section} " + "-" * max(3, 86 - len(section))]
        for declared, _kind, default, _path in items:
            lines.append(f"# {declared.description}")
            lines += [f"# {note}" for note in declared.notes]
            if declared.fallback:
                lines.append(f"# {declared.fallback} (one key) is still read when {declared.env} is unset.")
            if declared.default_doc:
                lines.append(f"# Default: {declared.default_doc}.")
            if declared.template is not None:
                lines.append(f"{declared.env}={declared.template}")
            else:
                lines.append(f"#{declared.env}={declared.example or _value_text(default)}")
    return "\n".join(lines) + "\n"


def _config_path(path: str) -> str:
    """``ORGANISATION.name`` -> ``app.config["ORGANISATION"].name``."""
    key, _, attribute = path.partition(".")
    return f'app.config["{key}"]' + (f".{attribute}" if attribute else "")


def _cell(text: str) -> str:
    """Text in a Markdown table cell: no column break, no tag (``<token>`` stays visible)."""
    pieces = text.replace("|", "\\|").split("`")
    return "`".join(piece if inside else piece.replace("<", "&lt;") for piece, inside in
                    zip(pieces, [False, True] * len(pieces)))


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading (lower case, punctuation dropped, spaces to hyphens)."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def reference() -> str:
    """docs/configuration.md: one table per section."""
    lines = [REFERENCE_HEADER.rstrip("\n"), "", "## Contents", ""]
    sections = _sections()
    lines += [f"{number}. [{section}](#{_anchor(section)})" for number, section in enumerate(sections, 1)]
    for section, items in sections.items():
        lines += ["", f"## {section}", "", "| Variable | Type | Default | What it is for |", "|---|---|---|---|"]
        for declared, kind, default, path in items:
            if declared.choices:
                kind = " / ".join(f"`{choice}`" for choice in declared.choices)
            value = _value_text(default)
            shown = f"*{declared.default_doc}*" if declared.default_doc else f"`{value}`" if value else "(empty)"
            notes = []
            if declared.required:
                notes.append("**Required in production.**")
            if declared.secret:
                notes.append("Secret.")
            if declared.fallback:
                notes.append(f"`{declared.fallback}` is read when it is unset.")
            if path != declared.env:
                notes.append(f"Read as `{_config_path(path)}`." if path else "Not in `app.config`.")
            description = " ".join([declared.description, *declared.notes, *notes])
            lines.append(f"| `{declared.env}` | {kind} | {_cell(shown)} | {_cell(description)} |")
    lines += ["", "`app.config[\"MEDIA_S3\"]` is `None` without a bucket (images then stay under "
              "`LETTRINE_INSTANCE_DIR/media/`)."]
    return "\n".join(lines) + "\n"


OUTPUTS = {ENV_FILE: environment_file, REFERENCE: reference}


def stale() -> list[Path]:
    """The generated files whose content is not what the declaration gives."""
    return [path for path, render in OUTPUTS.items()
            if not path.exists() or path.read_text(encoding="utf-8") != render()]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        out_of_date = stale()
        for path in out_of_date:
            print(f"{path.relative_to(ROOT)} is out of date: python tools/settings_docs.py", file=sys.stderr)
        return 1 if out_of_date else 0
    for path, render in OUTPUTS.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
