"""Write the generated tables of ``docs/message-kinds.md`` from ``app/sending/eligibility.py``.

    .venv/bin/python -m tools.message_kinds           # rewrite the part between the markers
    .venv/bin/python -m tools.message_kinds --check   # exit 1 if the page is out of date

The page's prose is written by hand; only the part between its two markers is generated
(``tests/test_message_kinds_doc.py`` fails when they differ).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "message-kinds.md"
BEGIN = "<!-- début : généré depuis app/sending/eligibility.py (python -m tools.message_kinds) -->"
END = "<!-- fin de la partie générée -->"


def generated() -> str:
    sys.path.insert(0, str(ROOT))
    from app.sending.eligibility import kinds_markdown

    return kinds_markdown()


def split(text: str) -> tuple[str, str, str]:
    """(before, generated part, after) of the page; ValueError if a marker is missing."""
    head, _, rest = text.partition(BEGIN + "\n")
    body, _, tail = rest.partition(END)
    if not rest or not _:
        raise ValueError(f"{PAGE.name}: markers missing ({BEGIN!r} … {END!r})")
    return head, body, tail


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    head, body, tail = split(text)
    fresh = generated()
    if "--check" in argv:
        if body != fresh:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run python -m tools.message_kinds", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(head + BEGIN + "\n" + fresh + END + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
