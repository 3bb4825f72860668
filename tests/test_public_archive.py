"""The public archive: every campaign sent to a public list (unless opted out), newest first, each letter
without anything personal or tracking, and its RSS 2.0 feed."""
from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

from app.extensions import db
from app.models import Campaign, CampaignStatus, Subscriber
from app.services.campaigns.lifecycle import start_campaign
from tests.sending_fixtures import deliver_queued, make_campaign


def _letter(slug: str, subject: str, *, track: bool = False, public: bool = True, days_ago: int = 0,
            send: bool = True) -> Campaign:
    campaign = make_campaign(1, slug=slug, start=False, prefix=slug.replace("-", ""))
    campaign.subject, campaign.preheader, campaign.track_clicks = subject, f"Résumé de {subject}", track
    campaign.content = {"blocks": [
        {"type": "title", "text": subject},
        {"type": "text", "text": "Bonjour,\n\nLe programme est en ligne."},
        {"type": "button", "label": "Lire le programme", "url": "https://www.crpve91.fr/programme?annee=2027"}]}
    campaign.lists[0].public = public
    db.session.commit()
    if send:
        start_campaign(campaign)
        deliver_queued()
        db.session.refresh(campaign)
        assert campaign.status == CampaignStatus.SENT
        campaign.started_at -= timedelta(days=days_ago)
        db.session.commit()
    return campaign


def test_archive_lists_public_sent_campaigns_newest_first_and_each_letter_is_impersonal(client, admin_client, app):
    older = _letter("lettre-mars", "Lettre de mars", days_ago=30)
    newer = _letter("lettre-avril", "Lettre d'avril", track=True, days_ago=2)
    _letter("lettre-interne", "Note interne", public=False)
    _letter("brouillon", "Pas encore partie", send=False)
    opted_out = _letter("lettre-retiree", "Lettre retirée")
    page = admin_client.get(f"/admin/campaigns/{opted_out.id}/edit").get_data(as_text=True)
    assert 'name="in_archive"' in page and "checked" in page.split('name="in_archive"', 1)[1][:40]
    admin_client.post(f"/admin/campaigns/{opted_out.id}/archive", data={})  # the box unticked
    db.session.refresh(opted_out)
    assert opted_out.in_archive is False
    admin_client.get("/admin/logout")

    listing = client.get("/archives").get_data(as_text=True)
    titles = re.findall(r'<a href="/archives/([^"]+)">', listing)
    assert titles == ["lettre-avril", "lettre-mars"]  # newest first; private list, draft and opt-out left out
    assert "Résumé de Lettre de mars" in listing and 'type="application/rss+xml"' in listing
    assert client.get("/archives/lettre-interne").status_code == 404
    assert client.get("/archives/lettre-retiree").status_code == 404
    assert client.get("/archives/brouillon").status_code == 404

    response = client.get("/archives/lettre-avril")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "script-src" not in response.headers["Content-Security-Policy"]
    assert "Lettre d&#39;avril" in html or "Lettre d'avril" in html
    # No tracking: the click-tracked button leads straight to its page; no pixel, no personal link.
    assert "/l/" not in html and 'href="https://www.crpve91.fr/programme?annee=2027"' in html
    assert "<img" not in html or "width=\"1\"" not in html
    assert "/u/" not in html and "/p/" not in html and "mailto:" not in html.split("Lire le programme")[1]
    for person in db.session.query(Subscriber):
        assert person.email not in html and person.uid not in html
    # The unsubscribe line became an invitation to subscribe; the preferences line is gone.
    assert 'href="https://lettrine.test/subscribe"' in html and "s'abonner" in html
    assert "ne plus recevoir" not in html and "Choisir les listes" not in html
    assert "https://lettrine.test/archives/lettre-avril" in html  # "Voir la version en ligne" stays here
    assert newer.track_clicks and older.in_archive


def test_rss_feed_is_rss_2_in_french_newest_first(client, app):
    _letter("lettre-mars", "Lettre de mars", days_ago=30)
    _letter("lettre-avril", "Lettre d'avril & programme", days_ago=2)
    response = client.get("/archives.xml")
    assert response.status_code == 200 and response.mimetype == "application/rss+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    [channel] = root.findall("channel")
    for required in ("title", "link", "description"):  # RSS 2.0: the channel's three required elements
        assert (channel.findtext(required) or "").strip()
    assert channel.findtext("language") == "fr" and channel.findtext("link") == "https://lettrine.test/archives"
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Lettre d'avril & programme", "Lettre de mars"]
    first = items[0]
    assert first.findtext("link") == "https://lettrine.test/archives/lettre-avril"
    assert first.find("guid").get("isPermaLink") == "true" and first.findtext("guid") == first.findtext("link")
    dates = [parsedate_to_datetime(i.findtext("pubDate")) for i in items]
    assert dates[0] > dates[1] and dates[0].tzinfo is not None
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == dates[0]


def test_subscribe_page_links_to_the_archive(client, app):
    html = client.get("/subscribe").get_data(as_text=True)
    assert 'href="/archives"' in html
    assert "Aucun message" in client.get("/archives").get_data(as_text=True)
