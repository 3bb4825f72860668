"""In Chromium at 390 px: after the scan, "Faire signer" — the participant draws on the screen with the
mouse (a finger on the phone), "Valider" stores SVG path data and the time, the attendance sheet PDF draws it."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import Attendance
from app.services.events import attendance as att
from app.services.events.registrations import register
from tests.browser import screenshot
from tests.event_factories import make_cycle
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PATH = re.compile(r"M [0-9.]+ [0-9.]+( [ML] [0-9.]+ [0-9.]+)+")


def _login(page, base: str) -> None:
    page.goto(f"{base}/admin/login")
    page.get_by_label("Adresse e-mail").fill("admin@example.org")
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*/admin/?$"))


def _segments(pdf: bytes) -> int:
    """Line segments ("l" operators) drawn on the pages, Form XObjects included (where WeasyPrint puts SVG)."""
    def count(stream, seen) -> int:
        total = len(re.findall(rb"(?:^|\s)l(?=\s)", stream.get_data()))
        resources = stream.get("/Resources") or {}
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if id(xobject) not in seen and xobject.get("/Subtype") == "/Form":
                seen.add(id(xobject))
                total += count(xobject, seen)
        return total

    total = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        contents = page.get_contents()
        total += len(re.findall(rb"(?:^|\s)l(?=\s)", contents.get_data())) if contents is not None else 0
        for xobject in ((page.get("/Resources") or {}).get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                total += count(xobject, {id(xobject)})
    return total


def test_signature_drawn_with_the_mouse_is_stored_and_printed(live_server, page, app, admin_user):
    cycle = make_cycle()
    outcome = register(cycle, "marie@example.org", first_name="Marie", last_name="Curie", organisation="Ville d'Évry",
                       journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor="test", notify=False)
    page.set_viewport_size(PHONE)
    _login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}/presence")
    page.get_by_label("matin").check()
    page.get_by_role("button", name="Choisir").click()
    page.get_by_text("0 présent·e").wait_for()
    sheet_url = f"{live_server.url}/admin/events/{cycle.id}/emargement.pdf?journee=1"
    before = page.request.get(sheet_url).body()

    page.goto(att.checkin_url(outcome.registration))  # the scan checks Marie in, then offers the pad
    page.locator(".presence-done").wait_for()
    pad = page.get_by_role("img", name="Zone de signature")
    pad.wait_for()
    box = pad.bounding_box()
    assert box["width"] <= PHONE["width"] and box["width"] >= 300 and box["height"] >= 70
    for name in ("Effacer", "Valider"):
        button = page.get_by_role("button", name=name).bounding_box()
        assert button["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="Valider").click()  # nothing drawn yet: refused on the page
    page.get_by_text("Signez d'abord dans le cadre.").wait_for()
    # A first attempt, wiped with "Effacer", then the real signature: two strokes.
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 60, steps=8)
    page.mouse.up()
    page.get_by_role("button", name="Effacer").click()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    page.mouse.move(box["x"] + 90, box["y"] + box["height"] * 0.2, steps=10)
    page.mouse.move(box["x"] + 150, box["y"] + box["height"] * 0.75, steps=10)
    page.mouse.up()
    page.mouse.move(box["x"] + 180, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + 300, box["y"] + box["height"] * 0.45, steps=10)
    page.mouse.up()
    screenshot(page, "checkin-signature-390")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Signature enregistrée.").wait_for()
    assert re.fullmatch(r"Signé à \d\d:\d\d", page.locator("#signed-status").inner_text())

    db.session.expire_all()
    [row] = db.session.scalars(select(Attendance)).all()
    assert row.signed_at is not None and row.checked_in_at is not None
    assert PATH.fullmatch(row.signature_svg), row.signature_svg[:200]
    assert row.signature_svg.count("M ") == 2  # the wiped stroke is not in it
    xs = [float(v) for v in re.findall(r"[ML] ([0-9.]+) ", row.signature_svg)]
    assert max(xs) <= 300 and max(xs) - min(xs) > 150  # in the sheet's 300 × 80 box, spread as drawn
    lines = row.signature_svg.count("L ")

    after = page.request.get(sheet_url).body()
    assert "CURIE Marie" in pdf_text(after) and "arrivée à" not in pdf_text(after)  # the drawing replaces the time
    assert _segments(after) - _segments(before) >= lines  # every drawn segment is in the PDF, as vectors
