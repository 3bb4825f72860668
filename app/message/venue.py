"""A cycle's venue, from the three fields the officer types (place, room, a multi-line address), as lines
(the messages' "Lieu" block) or as one line (the .ics LOCATION, the calendar links, the public pages).

One place for it: joining the raw address with ``replace("\\n", ", ")`` kept the ``\\r`` of a textarea's
line breaks, which gave "l'habitat , Boulevard" on the form and a break before each comma in .ics files."""
from __future__ import annotations


def venue_lines(*parts: str | None) -> list[str]:
    """Every non-blank line of ``parts`` (any line ending), trimmed, without a trailing comma."""
    return [line.strip().rstrip(",").rstrip() for part in parts if part for line in part.splitlines()
            if line.strip().rstrip(",").strip()]


def venue_line(*parts: str | None) -> str:
    """``CRPVE, Salle de conférence, Maison départementale de l'habitat, Boulevard …, 91000 EVRY``."""
    return ", ".join(venue_lines(*parts))
