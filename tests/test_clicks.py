"""Click tracking: signed redirects (no open redirect), counted per link, our own links untouched."""
from app.extensions import db
from app.models import Campaign
from app.services.campaigns.clicks import clicks_for, track_links, tracked_url
from tests.conftest import BASE_URL


def _campaign():
    campaign = Campaign(slug="c", name="C", subject="S", track_clicks=True)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_links_are_rewritten_except_our_own(app):
    campaign = _campaign()
    html = ('<a href="https://www.crpve91.fr/agenda">agenda</a> <a href="mailto:a@b.fr">m</a> '
            f'<a class="x" href="{BASE_URL}/u/TOKEN">désinscription</a>')
    out = track_links(html, campaign.id)
    assert "https://www.crpve91.fr/agenda" not in out
    assert f'href="{BASE_URL}/l/' in out
    assert 'href="mailto:a@b.fr"' in out and f'href="{BASE_URL}/u/TOKEN"' in out


def test_clicks_are_counted_and_redirected(client):
    campaign = _campaign()
    url = tracked_url(campaign.id, "https://www.crpve91.fr/agenda?x=1")
    path = url[len(BASE_URL):]
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == "https://www.crpve91.fr/agenda?x=1"
    other = tracked_url(campaign.id, "https://example.org/")
    client.get(other[len(BASE_URL):])
    counts = {c.url: c.clicks for c in clicks_for(campaign.id)}
    assert counts == {"https://www.crpve91.fr/agenda?x=1": 3, "https://example.org/": 1}


def test_forged_click_tokens_do_not_redirect(client):
    campaign = _campaign()
    path = tracked_url(campaign.id, "https://www.crpve91.fr/")[len(BASE_URL):]
    assert client.get(path[:-3] + "abc").status_code == 404
    assert client.get("/l/WzEsImh0dHBzOi8vZXZpbC5leGFtcGxlIl0.forged").status_code == 404
    assert clicks_for(campaign.id) == []


def test_tracked_campaign_messages_carry_signed_redirects(app):
    import email
    from email import policy

    from app.message.builder import Recipient
    from app.sending.compose import builder_for
    from app.models import CampaignTemplate, MailingList

    lst = MailingList(slug="l", name="L")
    campaign = Campaign(slug="t", name="T", subject="S", template=CampaignTemplate.NEWSLETTER, lists=[lst], track_clicks=True,
                        content={"blocks": [{"type": "title", "text": "Titre"},
                                            {"type": "button", "label": "Agenda", "url": "https://www.crpve91.fr/agenda"}]})
    db.session.add(campaign)
    db.session.commit()
    raw = builder_for(campaign).build(Recipient(1, "u1", "a@example.org")).raw
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    assert 'href="https://www.crpve91.fr/agenda"' not in html
    assert f"{BASE_URL}/l/" in html
    assert f"{BASE_URL}/u/" in html  # the unsubscribe link is ours and stays direct
