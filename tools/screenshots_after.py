"""After the journée, for the README: the check-in page (390 px, a phone at the door), a certificate with
its signature and stamp (its PDF's first page rendered to PNG with poppler's ``pdftoppm``) and the survey
results page.

Called by ``tools/screenshots.py`` (``make screenshots``) on its throw-away demo database: a few
registrants of the 2016 demo cycle are checked in (one signs on the screen) and answer the survey.
Full-size shots go to screenshots/ (git-ignored); small palette copies to docs/screenshots/, which the
README shows (commit them when they change).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
PEOPLE = [("Marie", "Curie", "Ville d'Évry"), ("Paul", "Langevin", "Grand Paris Sud"),
          ("Irène", "Joliot", "Centre social des Pyramides"), ("Jean", "Perrin", "Ville de Corbeil-Essonnes"),
          ("Lise", "Meitner", "Délégation du préfet"), ("Pierre", "Auger", "Ville de Ris-Orangis")]
SCORES = [(5, 4, 5, 3, 5), (4, 3, 5, 4, 4), (5, 3, 4, 2, 5)]  # per person, in QUESTION_KEYS order
COMMENTS = ["Des échanges très concrets entre équipes, merci.", "Un peu court sur la participation des habitants.",
            "Très utile pour préparer notre conseil citoyen."]


def _prepare(app) -> dict:
    """Registrants of the demo cycle, checked in for journée 1 (and some for 2), survey answers."""
    from app.services.demo import CYCLE_SLUG
    from app.extensions import db
    from app.models import Cycle
    from app.services.events import attendance as att
    from app.services.events import surveys
    from app.services.events.registrations import register

    with app.app_context():
        cycle = db.session.query(Cycle).filter_by(slug=CYCLE_SLUG).one()
        j1, j2 = cycle.journees[0], cycle.journees[1]
        regs = []
        for first, last, organisation in PEOPLE:
            address = f"{first.lower().replace('è', 'e')}.{last.lower()}@example.org"
            regs.append(register(cycle, address, first_name=first, last_name=last, organisation=organisation,
                                 journees=[j1, j2], allow_past=True, notify=False, source="admin",
                                 actor="screenshots").registration)
        for index, registration in enumerate(regs[:4]):
            signature = "M 20 55 C 40 10, 60 10, 70 50 L 95 30 L 120 52 C 150 20, 190 60, 240 35" if index == 0 else None
            att.check_in(registration, j1, att.Half.AM, actor="accueil@example.org", signature_svg=signature)
            att.check_in(registration, j1, att.Half.PM, actor="accueil@example.org")
        att.check_in(regs[0], j2, att.Half.AM, actor="accueil@example.org")
        for registration, row, comment in zip(regs, SCORES, COMMENTS):
            surveys.save_answer(registration, j1, dict(zip(surveys.QUESTION_KEYS, row)), comment)
        return {"cycle": cycle.id, "journee": j1.id, "marie": regs[0].id,
                "scan": att.checkin_url(regs[4]).split("/admin/", 1)[1]}


def _optimise(source: Path, target: Path, width: int | None = None) -> None:
    """A small copy for the repository: resized if asked, 64-colour palette, PNG optimise."""
    from PIL import Image

    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        image = image.convert("RGB")
        if width and image.width > width:
            image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
        image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    print(target)


def _marks() -> tuple[bytes, bytes]:
    """A scanned signature (PNG) and the centre's round stamp (JPEG), drawn here: the demo ships none."""
    import io

    from PIL import Image, ImageDraw

    signature = Image.new("RGB", (420, 140), "white")
    ImageDraw.Draw(signature).line([(20, 100), (70, 30), (120, 110), (170, 40), (230, 95), (300, 50), (400, 80)],
                                   fill=(25, 35, 110), width=6, joint="curve")
    stamp = Image.new("RGB", (300, 300), "white")
    draw = ImageDraw.Draw(stamp)
    draw.ellipse([12, 12, 288, 288], outline=(35, 70, 160), width=10)
    draw.ellipse([48, 48, 252, 252], outline=(35, 70, 160), width=4)
    draw.text((112, 140), "CRPVE", fill=(35, 70, 160))
    images = []
    for image, kind in ((signature, "PNG"), (stamp, "JPEG")):
        out = io.BytesIO()
        image.save(out, format=kind)
        images.append(out.getvalue())
    return images[0], images[1]


def _certificate_png(app, registration_id: int, out: Path = OUT) -> Path:
    """The certificate as the participant gets it: signed by the demo's director with her scanned signature
    and the centre's stamp, dated on the day the cycle was closed (the day after its last journée)."""
    from datetime import datetime, timezone

    from app.extensions import db
    from app.models import Registration
    from app.services.events import certificates

    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        signature, stamp = _marks()
        certificates.save_settings("Claire Dupont", "Directrice", "", signature, stamp=stamp)
        certificates.close_cycle(registration.cycle, actor="screenshots", notify=False,
                                 now=datetime(2016, 6, 24, 9, 0, tzinfo=timezone.utc))
        pdf = certificates.certificate_pdf(db.session.get(Registration, registration_id))
    work = Path(tempfile.mkdtemp(prefix="lettrine-certificate-"))
    (work / "attestation.pdf").write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm is missing (poppler-utils): run .ci/system-packages.sh")
    # 100 dpi: an A4 page 827 px wide, the text readable in the README.
    subprocess.run([pdftoppm, "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile",
                    str(work / "attestation.pdf"), str(work / "attestation")], check=True)
    target = out / "after-certificate.png"
    shutil.copyfile(work / "attestation.png", target)
    shutil.rmtree(work, ignore_errors=True)
    print(target)
    return target


def after_journee_shots(browser, app, email: str, password: str, out: Path = OUT, docs: Path | None = DOCS) -> None:
    """The three pictures of the after-the-journée workflow the docs show: full size into ``out``, small
    copies into ``docs`` (none when it is None)."""
    from werkzeug.serving import make_server

    ids = _prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport=PHONE)
        page = context.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
        page.goto(url + "/admin/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/admin/")
        page.goto(f"{url}/admin/events/{ids['cycle']}/presence")
        page.select_option("#slot-journee", str(ids["journee"]))
        page.check("input[name=half][value=am]")
        page.get_by_role("button", name="Choisir").click()
        page.wait_for_load_state("load")
        page.screenshot(path=str(out / "after-door-390.png"), full_page=True)
        # A scanned QR code: the person is checked in, then signs on the screen.
        page.goto(f"{url}/admin/{ids['scan']}")
        page.locator(".presence-done").wait_for()
        pad = page.locator(".signature-canvas").bounding_box()
        for stroke in (((0.08, 0.7), (0.2, 0.2), (0.3, 0.75), (0.38, 0.35), (0.5, 0.7)), ((0.55, 0.5), (0.9, 0.42))):
            page.mouse.move(pad["x"] + stroke[0][0] * pad["width"], pad["y"] + stroke[0][1] * pad["height"])
            page.mouse.down()
            for x, y in stroke[1:]:
                page.mouse.move(pad["x"] + x * pad["width"], pad["y"] + y * pad["height"], steps=6)
            page.mouse.up()
        checkin = out / "after-checkin-390.png"
        page.screenshot(path=str(checkin))  # the viewport: what the officer sees on the phone
        print(checkin)
        page.set_viewport_size({"width": 1024, "height": 1000})
        page.goto(f"{url}/admin/events/{ids['cycle']}/survey", wait_until="load")
        results = out / "after-survey-results.png"
        page.screenshot(path=str(results))  # the first journée's results (the page goes on with the others)
        print(results)
        context.close()
    finally:
        server.shutdown()
    certificate = _certificate_png(app, ids["marie"], out)
    if docs is None:
        return
    docs.mkdir(parents=True, exist_ok=True)
    _optimise(checkin, docs / "journee-checkin.png")
    _optimise(certificate, docs / "journee-certificate.png", width=620)
    _optimise(results, docs / "journee-survey-results.png", width=820)
