"""When a step is due: its delay ("3d", "12h", "1d12h") and its sending window in Paris time.

A window is ``"mon-fri 09:00-18:00"`` (days, then hours, local time; days may be a range
or a list, in English or French: ``"lun,mer 10:00-12:00"``; no days means every day). A step
whose delay ends outside its window waits for the window's next opening; a tick that comes
late (the scheduler was down, the clock jumped) looks again, so nothing leaves outside it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from app.errors import LettrineError
from app.timeutil import local_zone

_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
         "lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6}
_DELAY = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.I)
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class TimingError(LettrineError, ValueError):
    """A delay or a window the engine cannot read (French, one line)."""

    status = 422
    code = "sequence_timing"
    en = "A delay or a sending window could not be read."


def parse_delay(text: str | int | None) -> int:
    """Seconds of ``"3d"``, ``"12h"``, ``"1d12h"``, ``"30m"`` (``"0"`` or empty: at once)."""
    if text is None or text == "" or text == 0 or text == "0":
        return 0
    if isinstance(text, int):
        raise TimingError(f"délai illisible : {text!r} (exemples : « 3d », « 12h », « 1d12h »)")
    found = _DELAY.match(text)
    if found is None or not any(found.groups()):
        raise TimingError(f"délai illisible : {text!r} (exemples : « 3d », « 12h », « 1d12h »)")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return days * 86400 + hours * 3600 + minutes * 60


def format_delay(seconds: int) -> str:
    """The file's way of writing a delay (``parse_delay``'s inverse)."""
    if seconds == 0:
        return "0"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n) or "0"


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time

    def contains(self, local: datetime) -> bool:
        return local.weekday() in self.days and self.start <= local.time() < self.end


def parse_window(text: str | None) -> Window | None:
    """The window of ``"mon-fri 09:00-18:00"`` (None for an empty one)."""
    if not text or not text.strip():
        return None
    parts = text.strip().lower().split()
    if len(parts) == 1:
        days_text, hours_text = "mon-sun", parts[0]
    elif len(parts) == 2:
        days_text, hours_text = parts
    else:
        raise TimingError(f"fenêtre illisible : {text!r} (exemple : « mon-fri 09:00-18:00 »)")
    days: set[int] = set()
    try:
        for item in days_text.split(","):
            if "-" in item:
                first, last = (_DAYS[d] for d in item.split("-", 1))
                days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
            else:
                days.add(_DAYS[item])
    except KeyError as exc:
        raise TimingError(f"jour inconnu dans la fenêtre {text!r} : {exc.args[0]} (mon…sun ou lun…dim)") from exc
    found = _HOURS.match(hours_text)
    if found is None:
        raise TimingError(f"heures illisibles dans la fenêtre {text!r} (exemple : « 09:00-18:00 »)")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60):
        raise TimingError(f"heures impossibles dans la fenêtre {text!r}")
    start, end = time(h1, m1), (time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2))
    if start >= end:
        raise TimingError(f"fenêtre vide : {text!r} (l'heure de fin doit suivre l'heure de début)")
    return Window(frozenset(days), start, end)


def fit(at: datetime, window: Window | None) -> datetime:
    """``at`` if it falls inside the window, else the window's next opening (UTC in, UTC out)."""
    if window is None:
        return at
    zone = local_zone()
    local = at.astimezone(zone)
    if window.contains(local):
        return at
    day = local.date()
    for offset in range(8):
        candidate_day = day + timedelta(days=offset)
        if candidate_day.weekday() not in window.days:
            continue
        opening = datetime.combine(candidate_day, window.start, tzinfo=zone)
        if offset == 0 and local.time() >= window.start:
            continue  # today's window has closed
        return opening.astimezone(timezone.utc)
    raise TimingError("fenêtre sans aucun jour")  # parse_window never makes one
