"""Reuse: duplicate a campaign and a cycle (new dates, reminders recomputed), templates,
the media library (real images made with Pillow), the click-tracking switch."""
from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, MailingList, MediaFile, MessageTemplate
from app.services.campaigns.blocks import empty_block
from app.services.events.cycles import save_cycle
from app.timeutil import to_local
from tests.conftest import BASE_URL
from tests.event_factories import make_cycle


def _png(width: int, height: int, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(out, kind)
    return out.getvalue()


def _newsletter(**fields) -> Campaign:
    ml = db.session.scalar(select(MailingList)) or MailingList(slug="formations", name="Formations")
    campaign = Campaign(slug=fields.pop("slug", "lettre"), name="Lettre de mars", subject="Les nouvelles",
                        template=CampaignTemplate.NEWSLETTER, lists=[ml], reply_to="contact@crpve91.fr",
                        content={"blocks": [dict(empty_block("title"), text="Bonjour")]}, **fields)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_duplicate_a_campaign_from_the_cli_and_the_composer(admin_client, cli_runner):
    campaign = _newsletter(status=CampaignStatus.SENT, track_clicks=True)
    result = cli_runner.invoke(args=["campaigns", "duplicate", campaign.slug])
    assert result.exit_code == 0, result.output
    copy = db.session.scalar(select(Campaign).where(Campaign.id != campaign.id))
    assert copy.status == CampaignStatus.DRAFT and copy.name == "Lettre de mars (copie)"
    assert copy.content == campaign.content and copy.lists == campaign.lists and copy.track_clicks
    assert copy.scheduled_at is None and copy.slug != campaign.slug
    copy.content["blocks"][0]["text"] = "Changé"
    assert campaign.content["blocks"][0]["text"] == "Bonjour"
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/duplicate")
    assert response.status_code == 303 and db.session.scalar(select(db.func.count()).select_from(Campaign)) == 3
    assert "Error: Campagne introuvable" in cli_runner.invoke(args=["campaigns", "duplicate", "nope"]).output


def test_duplicate_the_cycle_onto_2027_dates_recomputes_its_reminders(cli_runner, app):
    cycle = make_cycle()
    save_cycle(cycle)
    result = cli_runner.invoke(args=["events", "duplicate", cycle.slug, "--dates",
                                     "2027-02-04,2027-03-04,2027-04-08,2027-05-20"])
    assert result.exit_code == 0, result.output
    copy = db.session.scalar(select(Cycle).where(Cycle.id != cycle.id))
    assert copy.title == cycle.title and copy.venue_address == cycle.venue_address
    assert copy.period == "Février 2027 – Mai 2027" and copy.slug != cycle.slug
    starts = [to_local(j.starts_at) for j in copy.journees]
    assert [s.date() for s in starts] == [date(2027, 2, 4), date(2027, 3, 4), date(2027, 4, 8), date(2027, 5, 20)]
    assert {(s.hour, s.minute) for s in starts} == {(10, 0)}
    assert [j.title for j in copy.journees] == [j.title for j in cycle.journees]
    reminders = db.session.scalars(select(Campaign).where(Campaign.cycle_id == copy.id,
                                                          Campaign.journee_id.is_not(None))).all()
    assert len(reminders) == 4 * len(copy.reminder_rules)
    j1 = copy.journees[0]
    week_before = [r for r in reminders if r.journee_id == j1.id and r.reminder_days_before == 7][0]
    assert to_local(week_before.scheduled_at).date() == date(2027, 1, 28)
    bad = cli_runner.invoke(args=["events", "duplicate", cycle.slug, "--dates", "2027-02-04"])
    assert bad.exit_code == 1 and "4 date(s) attendue(s)" in bad.output
    past = cli_runner.invoke(args=["events", "duplicate", cycle.slug, "--dates", "2020-02-04,2027-03-04,2027-04-08,2027-05-20"])
    assert "tomberait dans le passé" in past.output
    assert "date invalide" in cli_runner.invoke(args=["events", "duplicate", cycle.slug, "--dates", "demain"]).output


def test_duplicate_the_cycle_from_its_page(admin_client):
    cycle = make_cycle()
    page = admin_client.get(f"/admin/events/{cycle.id}/duplicate").get_data(as_text=True)
    assert 'name="date-4"' in page
    refused = admin_client.post(f"/admin/events/{cycle.id}/duplicate", data={"date-1": "2027-02-04"})
    assert "Copie impossible" in refused.get_data(as_text=True) and 'value="2027-02-04"' in refused.get_data(as_text=True)
    response = admin_client.post(f"/admin/events/{cycle.id}/duplicate", data={
        "date-1": "2027-02-04", "date-2": "2027-03-04", "date-3": "2027-04-08", "date-4": "2027-05-20"})
    assert response.status_code == 303
    assert db.session.scalar(select(db.func.count()).select_from(Cycle)) == 2


def test_save_as_template_and_start_from_it(admin_client):
    campaign = _newsletter()
    admin_client.post(f"/admin/campaigns/{campaign.id}/save-template", data={"name": "Lettre mensuelle"})
    row = db.session.scalar(select(MessageTemplate))
    assert row.name == "Lettre mensuelle" and row.content == campaign.content
    assert "Lettre mensuelle" in admin_client.get("/admin/campaigns/new").get_data(as_text=True)
    response = admin_client.post(f"/admin/templates/{row.id}/use", data={"name": "Lettre d'avril"})
    assert response.status_code == 303
    new = db.session.scalar(select(Campaign).where(Campaign.name == "Lettre d'avril"))
    assert new.content == campaign.content and new.subject == "Les nouvelles" and new.lists == []
    assert new.reply_to == "contact@crpve91.fr"


def test_upload_an_image_into_a_newsletter_resized_and_served_with_long_cache(admin_client, app):
    campaign = _newsletter()
    no_alt = admin_client.post(f"/admin/campaigns/{campaign.id}/media", data={
        "image": (io.BytesIO(_png(2000, 1000)), "affiche.png")}, follow_redirects=True)
    assert "texte alternatif" in no_alt.get_data(as_text=True) and db.session.scalar(select(MediaFile)) is None
    fake = admin_client.post(f"/admin/campaigns/{campaign.id}/media", data={
        "image": (io.BytesIO(b"%PDF-1.4 not an image"), "affiche.png"), "alt": "Affiche"}, follow_redirects=True)
    assert "pas une image lisible" in fake.get_data(as_text=True)
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/media", data={
        "image": (io.BytesIO(_png(2000, 1000, "JPEG")), "affiche.jpg"), "alt": "Affiche du cycle 2027"})
    assert response.status_code == 303
    row = db.session.scalar(select(MediaFile))
    assert (row.width, row.height, row.extension) == (2000, 1000, "jpg")
    db.session.refresh(campaign)
    block = campaign.content["blocks"][-1]
    assert block["type"] == "image" and block["alt"] == "Affiche du cycle 2027" and block["width"] == "600"
    assert block["src"] == f"https://lettrine.test/media/{row.key}-1200.jpg"
    for width in (600, 1200):
        served = admin_client.get(f"/media/{row.key}-{width}.jpg")
        assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]
        assert "max-age=31536000" in served.headers["Cache-Control"]
        assert Image.open(io.BytesIO(served.data)).size == (width, width // 2)
    assert admin_client.get("/media/../../etc/passwd").status_code == 404
    # The preview frames load the message's HTML from preview.html (their own CSP).
    preview = admin_client.get(f"/admin/campaigns/{campaign.id}/preview.html").get_data(as_text=True)
    assert f"{row.key}-1200.jpg" in preview
    app.config["MEDIA_MAX_BYTES"] = 1000
    heavy = admin_client.post("/admin/media", data={"image": (io.BytesIO(_png(800, 800)), "x.png"), "alt": "x"},
                              follow_redirects=True)
    assert "Image trop lourde" in heavy.get_data(as_text=True)


def test_click_tracking_switch_off_by_default_with_its_privacy_sentence(admin_client):
    campaign = _newsletter()
    assert campaign.track_clicks is False
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "Désactivé par défaut" in page and "Suivre les clics" in page
    admin_client.post(f"/admin/campaigns/{campaign.id}/tracking", data={"track_clicks": "1"})
    db.session.refresh(campaign)
    assert campaign.track_clicks is True
    admin_client.post(f"/admin/campaigns/{campaign.id}/tracking", data={})
    db.session.refresh(campaign)
    assert campaign.track_clicks is False


def test_media_strips_metadata_and_takes_gif_and_webp(app):
    from app.services.support import media

    photo = Image.new("RGB", (800, 400), (10, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "Appareil de Laura"  # Make
    exif[0x8825] = {2: (48.0, 37.0, 0.0)}  # GPS
    out = io.BytesIO()
    photo.save(out, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(out.getvalue())).getexif()
    row = media.store(out.getvalue(), "photo.jpg", "Photo", actor="t")
    stored = Image.open(media.media_dir() / media.file_name(row, 600))
    assert stored.size == (600, 300) and not stored.getexif()
    assert Image.open(media.media_dir() / media.file_name(row, 1200)).size == (800, 400)  # never enlarged
    gif = io.BytesIO()
    Image.new("P", (300, 100)).save(gif, "GIF")
    assert media.store(gif.getvalue(), "a.gif", "Bandeau", actor="t").extension == "png"
    webp = io.BytesIO()
    Image.new("RGB", (1300, 100)).save(webp, "WEBP")
    row = media.store(webp.getvalue(), "b.webp", "Frise", actor="t")
    assert row.extension == "webp" and Image.open(media.media_dir() / media.file_name(row, 1200)).size == (1200, 92)
    bmp = io.BytesIO()
    Image.new("RGB", (10, 10)).save(bmp, "BMP")
    with pytest.raises(media.MediaError, match="Format refusé"):
        media.store(bmp.getvalue(), "c.bmp", "x", actor="t")


def test_on_an_http_base_url_the_uploaded_image_still_shows_but_no_other_http_image(admin_client, app):
    """`make run` serves http://127.0.0.1:5000: an image of the app's own media library shows in the
    preview (and its frame's CSP names the library), while any other plain-http image is still dropped."""
    app.config["BASE_URL"] = "http://127.0.0.1:5000"
    try:
        campaign = _newsletter()
        admin_client.post(f"/admin/campaigns/{campaign.id}/media", data={
            "image": (io.BytesIO(_png(800, 400)), "affiche.png"), "alt": "Affiche du cycle"})
        row = db.session.scalar(select(MediaFile))
        db.session.refresh(campaign)
        blocks = campaign.content["blocks"]
        assert blocks[-1]["src"] == f"http://127.0.0.1:5000/media/{row.key}-1200.png"
        campaign.content = {"blocks": [*blocks, {"type": "image", "src": "http://ailleurs.example/x.png",
                                                  "alt": "Ailleurs", "href": "", "width": ""}]}
        db.session.commit()
        response = admin_client.get(f"/admin/campaigns/{campaign.id}/preview.html")
        preview = response.get_data(as_text=True)
        assert f'src="http://127.0.0.1:5000/media/{row.key}-1200.png"' in preview
        assert "ailleurs.example" not in preview
        assert "img-src https: data: http://127.0.0.1:5000/media/;" in response.headers["Content-Security-Policy"]
    finally:
        app.config["BASE_URL"] = BASE_URL


def test_a_duplicated_cycle_is_a_draft_and_preflight_names_last_years_sentence(cli_runner, app):
    """Finding of issue #24: the copy was published at once, with "… deuxième semestre 2016." still in it."""
    from app.services.campaigns import duplicate_cycle, open_announcement, preflight_campaign

    cycle = make_cycle(sponsor_note="Action financée par l'ANCT au titre du deuxième semestre 2016.")
    save_cycle(cycle)
    copy = duplicate_cycle(cycle, [date(2027, 2, 4), date(2027, 3, 4), date(2027, 4, 8), date(2027, 5, 20)])
    assert cycle.published and not copy.published
    announcement, _ = open_announcement(copy, "Annonce 2027")
    report = preflight_campaign(announcement)
    assert any("n'est pas publié" in e for e in report.errors)  # its form would answer 404
    assert [w for w in report.warnings if "2016" in w] == [
        "« Mention des financeurs » mentionne 2016, qui n'est l'année d'aucune journée du cycle : "
        "un texte de l'an dernier resté dans la copie ?"]
    result = cli_runner.invoke(args=["events", "publish", copy.slug])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    copy = db.session.get(Cycle, copy.id)
    copy.sponsor_note = "Action financée par l'ANCT au titre de 2027."
    copy.journees[0].title = "Bilan 2025-2026 et perspectives"  # a span of school years is a year too
    save_cycle(copy)
    report = preflight_campaign(db.session.get(Campaign, announcement.id))
    assert not any("publié" in e for e in report.errors)
    assert [w for w in report.warnings if "mentionne" in w] == [
        "« Journée 1 : Titre » mentionne 2025, qui n'est l'année d'aucune journée du cycle : "
        "un texte de l'an dernier resté dans la copie ?",
        "« Journée 1 : Titre » mentionne 2026, qui n'est l'année d'aucune journée du cycle : "
        "un texte de l'an dernier resté dans la copie ?"]
