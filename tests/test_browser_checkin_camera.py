"""Check-in by camera, in Chromium on a 390 px phone with a fake camera: the camera page reads the QR code of
the person's confirmation message (the very PNG the message carries, filmed) and checks them in through the
admin session, once; the typed code works beside it. No app, no other login.

Chromium's fake capture device plays a Y4M file: written here from the QR code's PNG (hand-made from the
YUV4MPEG2 format: a header line, then ``FRAME`` and the Y, U and V planes of each frame, 4:2:0)."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, AuditLog, AttendanceStatus
from app.services.events import attendance as att
from app.services.events.registrations import register
from tests.browser import CHROMIUM, CHROMIUM_ARGS, screenshot
from tests.event_factories import make_cycle

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def write_y4m(path, picture: Image.Image, size=(640, 480), frames: int = 6) -> None:
    """A still picture, centred on white, as a short 4:2:0 Y4M video (Chromium loops it)."""
    width, height = size
    frame = Image.new("RGB", size, "white")
    picture = picture.convert("RGB")
    scale = min(1.0, (height - 40) / picture.height)
    picture = picture.resize((int(picture.width * scale), int(picture.height * scale)), Image.Resampling.NEAREST)
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    y, u, v = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + u.resize(half, Image.Resampling.BILINEAR).tobytes() + v.resize(
        half, Image.Resampling.BILINEAR).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


@pytest.fixture
def camera_browser(_browser, tmp_path):
    """A Chromium whose camera films ``tmp_path/camera.y4m`` and which grants the camera without asking."""
    video = tmp_path / "camera.y4m"
    browsers = []

    def launch():
        browser = _browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
            *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])
        browsers.append(browser)
        return browser

    yield video, launch
    for browser in browsers:
        browser.close()


@pytest.mark.slow  # its own Chromium, with the fake camera
def test_the_camera_page_reads_the_messages_qr_code_and_checks_in_once(live_server, app, admin_user,
                                                                         camera_browser):
    video, launch = camera_browser
    cycle = make_cycle()
    marie = register(cycle, "marie@example.org", first_name="Marie", last_name="Curie", organisation="Ville d'Évry",
                     journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor="test",
                     notify=False).registration
    paul = register(cycle, "paul@example.org", first_name="Paul", last_name="Langevin",
                    journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor="test",
                    notify=False).registration
    write_y4m(video, Image.open(io.BytesIO(att.qr_png(marie))))  # what the confirmation message shows

    browser = launch()
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport=PHONE)
    violations: list[str] = []
    context.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page = context.new_page()
    page.set_default_timeout(15000)
    base = live_server.url
    page.goto(f"{base}/admin/login")
    page.get_by_label("Adresse e-mail").fill(admin_user.email)
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*/admin/?$"))
    page.goto(f"{base}/admin/events/{cycle.id}/presence")
    page.get_by_role("button", name="Choisir").click()  # journée 1, morning
    page.get_by_role("link", name="Scanner les codes avec la caméra").click()
    page.wait_for_url(f"**/admin/events/{cycle.id}/presence/camera")

    page.get_by_role("button", name="Allumer la caméra").click()
    page.get_by_text("Marie Curie : présent·e ✓").wait_for()
    assert page.get_by_role("button", name="Allumer la caméra").is_hidden()
    decoder = page.locator("#camera-scanner").get_attribute("data-decoder")
    assert decoder in {"jsqr", "barcode-detector"}
    screenshot(page, "checkin-camera-390")
    page.wait_for_timeout(1500)  # the code stays in front of the lens: still one check-in
    rows = db.session.scalars(select(Attendance)).all()
    assert [(r.registration_id, r.half.value, r.status) for r in rows] == [(marie.id, "am", AttendanceStatus.PRESENT)]
    assert rows[0].changed_by == admin_user.email  # the officer's session, nothing else
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "attendance_change")) == 1

    # The typed code, under the camera, for a crumpled or missing code; back to scanning afterwards.
    page.get_by_label("Code de présence").fill(att.short_code(paul).lower())
    page.get_by_role("button", name="Valider le code").click()
    page.wait_for_url(f"**/admin/events/{cycle.id}/presence/camera")
    page.get_by_text("Paul Langevin : présent·e.").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    assert violations == []
    context.close()


def test_without_a_login_the_camera_page_sends_to_the_login(client, app):
    cycle = make_cycle()
    response = client.get(f"/admin/events/{cycle.id}/presence/camera")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
