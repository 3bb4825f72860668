"""CLI render (exact SMTP bytes), the public web view, the admin preview, and the no-<style> reading order."""
from __future__ import annotations

import email
import re
from email import policy

import lxml.html
import pytest

from app.services import demo
from app.services.demo import CAMPAIGN_SLUG, load_seed_cycle as load_cycle
from app.extensions import db
from app.message.builder import Recipient
from app.sending.compose import builder_for
from app.models import Campaign, CampaignStatus, Subscriber
from tests.browser import screenshot
from tests.emailcheck import html_text, missing_lines


@pytest.fixture
def announcement(app):
    demo.load_base()
    load_cycle()
    return db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).one()


def strip_styles(html: str) -> str:
    return re.sub(r"<style\b.*?</style>", "", html, flags=re.S | re.I)


def test_cli_render_writes_the_smtp_bytes(announcement, cli_runner, tmp_path):
    sub = db.session.query(Subscriber).filter_by(email="laura.kossi@example.org").one()
    out = tmp_path / "laura.eml"
    result = cli_runner.invoke(args=["campaigns", "render", CAMPAIGN_SLUG, "--to", "Laura.Kossi@example.org",
                                     "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    expected = builder_for(announcement).build(Recipient(sub.id, sub.uid, sub.email, sub.first_name,
                                                         sub.last_name)).raw
    # identical but for the Date header (the clock moved on)
    date = re.compile(rb"^Date: .*\r\n", re.M)
    assert date.sub(b"", raw) == date.sub(b"", expected)
    a, b = (email.message_from_bytes(x, policy=policy.default) for x in (raw, expected))
    assert a.get_body(("html",)).get_content() == b.get_body(("html",)).get_content()
    assert a["Message-ID"] == b["Message-ID"]
    by_id = cli_runner.invoke(args=["campaigns", "render", str(announcement.id), "--to", sub.email,
                                    "--out", str(tmp_path / "2.eml")])
    assert by_id.exit_code == 0
    missing = cli_runner.invoke(args=["campaigns", "render", CAMPAIGN_SLUG, "--to", "nobody@example.org",
                                      "--out", str(tmp_path / "3.eml")])
    assert missing.exit_code != 0 and "introuvable" in missing.output


def test_webview_only_once_sending_and_without_personal_data(announcement, client):
    assert client.get(f"/c/{CAMPAIGN_SLUG}").status_code == 404  # draft, anonymous
    assert client.get("/c/nope").status_code == 404
    announcement.status = CampaignStatus.SENT
    db.session.commit()
    response = client.get(f"/c/{CAMPAIGN_SLUG}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert missing_lines(html_text(html)) == []
    assert "Bonjour," in html and "/u/" not in html and "/p/" not in html
    for sub in db.session.query(Subscriber):
        assert f"Bonjour {sub.first_name}" not in html
        assert sub.email not in html and sub.uid not in html


def test_draft_webview_for_staff(announcement, admin_client):
    assert admin_client.get(f"/c/{CAMPAIGN_SLUG}").status_code == 200


def test_admin_preview(announcement, admin_client, client):
    response = admin_client.get(f"/admin/campaigns/{announcement.id}/preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    doc = lxml.html.fromstring(page)
    frames = doc.xpath("//iframe")
    assert len(frames) == 2 and all(f.get("sandbox") is not None for f in frames)
    assert {"preview-desktop", "preview-phone"} <= set(" ".join(f.get("class") for f in frames).split())
    src = frames[0].get("src")
    assert src == f"/admin/campaigns/{announcement.id}/preview.html" and frames[1].get("src") == src
    framed = admin_client.get(src)
    assert "Comment faire vivre un contrat de ville" in framed.get_data(as_text=True)
    assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
    assert "List-Unsubscribe" in page and "Message-ID" in page
    assert "Aucune erreur bloquante" in page
    assert "Si vous souhaitez ne plus recevoir" in doc.xpath("//pre")[0].text_content()
    assert admin_client.get("/admin/campaigns/999/preview").status_code == 404


def test_admin_preview_needs_login(announcement, client):
    response = client.get(f"/admin/campaigns/{announcement.id}/preview")
    assert response.status_code in (302, 401)


HIDING = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|overflow\s*:\s*hidden|max-height\s*:\s*0|"
                    r"opacity\s*:\s*0(?![.\d]*[1-9])|font-size\s*:\s*0(?:px)?\s*(?:;|$)|(?<![-\w])height\s*:\s*0(?:px)?\s*(?:;|$)")


def test_reads_in_order_without_style_blocks(announcement):
    html = builder_for(announcement).build(Recipient(1, "u", "a@example.org", "Ana")).raw
    html = email.message_from_bytes(html, policy=policy.default).get_body(("html",)).get_content()
    bare = strip_styles(html)
    assert "<style" not in bare
    doc = lxml.html.fromstring(bare)
    # No element holding text is hidden, clipped or shrunk to nothing by its inline style or an ancestor's.
    for el in doc.iter():
        if not isinstance(el.tag, str) or not (el.text or "").strip():
            continue
        chain = [el, *el.iterancestors()]
        for node in chain:
            style = node.get("style") or ""
            found = HIDING.search(style)
            if found and not (found.group(0).startswith("font-size") and node is not el and _resets_font(chain, node)):
                raise AssertionError(f"{el.tag} «{el.text.strip()[:40]}» hidden by {node.tag} style {found.group(0)}")
    text = html_text(bare)
    order = ["Voir la version en ligne", "Cycle de qualification", "Comment faire vivre un contrat de ville",
             "Bonjour Ana", "Objectifs généraux", "Publics concernés", "Modalités", "Dates", "Intervenante",
             "Programme", "Journée 1", "Journée 2", "Journée 3", "Journée 4", "Informations",
             "Inscription obligatoire", "Lieu", "Pour tout renseignement", "Retrouvez l'agenda",
             "Si vous souhaitez ne plus recevoir"]
    positions = [text.find(key) for key in order]
    assert -1 not in positions, dict(zip(order, positions))
    assert positions == sorted(positions)


def _resets_font(chain, node) -> bool:
    """A font-size:0 wrapper (MJML's inline-block gap fix) is fine when a nearer element sets a real size."""
    for inner in chain[: chain.index(node)]:
        if re.search(r"font-size\s*:\s*[1-9]", inner.get("style") or ""):
            return True
    return False


def test_no_style_screenshot_at_375px(announcement, page):
    raw = builder_for(announcement).build(Recipient(1, "u", "a@example.org", "Ana")).raw
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    page.route("**/*", lambda route: route.abort())  # an email needs no network
    page.set_viewport_size({"width": 375, "height": 800})
    page.set_content(strip_styles(html))
    path = screenshot(page, "announcement-375-no-style")
    assert path.exists() and path.stat().st_size > 10_000
    # Nothing wider than the phone, and key blocks in order, one below the other, without overlap.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    boxes = page.evaluate("""(keys) => keys.map(k => {
        const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (w.nextNode()) { if (w.currentNode.textContent.includes(k)) {
            const r = w.currentNode.parentElement.getBoundingClientRect();
            return [r.top, r.bottom, r.left, r.right, r.height]; } }
        return null; })""", ["Voir la version en ligne", "Comment faire vivre", "Objectifs généraux",
                             "Journée 1 ", "Journée 4 ", "Inscription obligatoire", "Si vous souhaitez"])
    assert None not in boxes
    for (top, bottom, left, right, height), nxt in zip(boxes, boxes[1:]):
        assert height > 0 and left >= 0 and right <= 375
        assert bottom <= nxt[0], (boxes)


@pytest.mark.browser
def test_admin_preview_in_chromium(announcement, live_server, page, admin_user):
    page.goto(live_server.url + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(admin_user.email)
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(f"{live_server.url}/admin/campaigns/{announcement.id}/preview")
    frames = page.locator("iframe")
    assert frames.count() == 2
    widths = [frames.nth(i).bounding_box()["width"] for i in range(2)]
    # The phone width of the composer's toggle too (PREVIEW_WIDTHS; this tab said 375 px, the composer 390).
    assert 590 <= widths[0] <= 610 and 385 <= widths[1] <= 395
    phone = page.frame_locator("iframe.preview-phone")
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Comment faire vivre")
    assert phone.locator("body").evaluate("b => b.scrollWidth") <= 390
    screenshot(page, "admin-campaign-preview")


def test_cli_render_is_dkim_signed_like_the_worker_when_a_key_is_configured(announcement, cli_runner, app, tmp_path):
    import dkim
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from app.message.dkim import DKIMSigner
    from tests.test_dkim import pem

    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(pem(ed25519.Ed25519PrivateKey.generate()))
    app.config.update(DKIM_DOMAIN="crpve91.fr", DKIM_SELECTOR="sel", DKIM_PRIVATE_KEY_FILE=str(key_file))
    out = tmp_path / "signed.eml"
    result = cli_runner.invoke(args=["campaigns", "render", CAMPAIGN_SLUG, "--to", "laura.kossi@example.org",
                                     "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"DKIM-Signature:")
    record = DKIMSigner.from_file("crpve91.fr", "sel", key_file).public_dns_record().encode()
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record if name == b"sel._domainkey.crpve91.fr." else None)
