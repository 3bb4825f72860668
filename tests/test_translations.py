"""English is available for every string: the catalogue covers everything the code marks for translation."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _empty(string) -> bool:
    """No English: an empty msgstr, or a plural with an empty form (``("", "")`` is a true tuple)."""
    return not all(string) if isinstance(string, tuple) else not string


def test_no_translation_is_empty():
    """Every entry of the catalogue has its English, plurals each of their forms (three plurals had none,
    so "2 places restantes" stayed French on the English registration form)."""
    with PO.open("rb") as fh:
        empty = [m.id for m in read_po(fh) if m.id and (_empty(m.string) or m.fuzzy)]
    assert empty == []
    assert _empty(("", "")) and _empty(("one", "")) and _empty("") and not _empty(("one", "two"))


def test_every_marked_string_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-o", str(pot), "."], check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        catalogue = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(fh) if m.id}
    missing = sorted(w for w in wanted if w not in catalogue or _empty(catalogue[w].string) or catalogue[w].fuzzy)
    assert missing == [], f"{len(missing)} strings without English (run `make messages`, then translate): {missing[:5]}"
