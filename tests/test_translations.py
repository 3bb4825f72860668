"""English is available for every string: the catalogue covers everything the code marks for translation."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_every_marked_string_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-o", str(pot), "."], check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        catalogue = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(fh) if m.id}
    missing = sorted(w for w in wanted if w not in catalogue or not catalogue[w].string or catalogue[w].fuzzy)
    assert missing == [], f"{len(missing)} strings without English (run `make messages`, then translate): {missing[:5]}"
