"""Labels and links of issue #24: sources in words in both languages (they read "form" and "admin"), the
phone preview one width everywhere (the editor said 390 px, the preview tab 375 px), a test message's web-view
link that opens (it answered 404 until the campaign was sent)."""
from __future__ import annotations

import email
import html
import re
from email import policy
from urllib.parse import quote_plus, urlsplit

from flask import g
from icalendar import Calendar
from flask_babel import force_locale, refresh

from app.extensions import db
from app.sending.calendar import calendar_links, journee_ics
from app.sending.views import cycle_view
from app.services.campaigns.lifecycle import start_campaign
from app.tokens import Purpose, sign
from app.services.audience import source_label
from app.services.events import register
from app.web.admin import PREVIEW_WIDTHS
from tests.doc_commands import ROOT
from tests.english_crawl import visible_text
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued, draft_letter, make_campaign
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)


def test_sources_in_words_in_both_languages(app):
    expected = {
        "form": ("formulaire d'abonnement", "subscription form"),
        "admin": ("ajout par l'équipe", "added by the team"),
        "form:contrat-de-ville-2016": ("formulaire d'inscription (cycle contrat-de-ville-2016)",
                                       "registration form (cycle contrat-de-ville-2016)"),
        "admin:contrat-de-ville-2016": ("inscription par l'équipe (cycle contrat-de-ville-2016)",
                                        "registered by the team (cycle contrat-de-ville-2016)"),
        "campaign:12:contrat-de-ville-2016": ("formulaire d'inscription, depuis une annonce (cycle contrat-de-ville-2016)",
                                              "registration form, from an announcement (cycle contrat-de-ville-2016)"),
        "presence:contrat-de-ville-2016": ("émargement (cycle contrat-de-ville-2016)", "check-in (cycle contrat-de-ville-2016)"),
        "contacts-2026.csv": ("contacts-2026.csv", "contacts-2026.csv"),  # an import's file name, as it is
    }
    for source, (french, english) in expected.items():
        with force_locale("fr"):
            assert source_label(source) == french
        with force_locale("en"):
            assert source_label(source) == english
    with force_locale("fr"):  # a registration's own source, with its cycle: read as the audit log writes it
        assert source_label("admin", "contrat-de-ville-2016") == "inscription par l'équipe (cycle contrat-de-ville-2016)"
    assert source_label(None) == "" and source_label("") == ""


def test_the_dashboard_and_the_registrations_csv_say_where_a_registration_came_from(admin_client, admin_user):
    cycle = make_cycle(dates=future_dates())
    outcome = register(cycle, "marie@example.org", first_name="Marie", last_name="Lefèvre", journees=[cycle.journees[0]],
             source="admin", actor=admin_user.email, notify=False)
    db.session.commit()
    sheet = admin_client.get(f"/admin/events/{cycle.id}/attendance.csv").data.decode("utf-8-sig")
    assert "inscription par l'équipe (cycle contrat-de-ville-2016)" in sheet and ";admin;" not in sheet
    refresh()
    dashboard = visible_text(admin_client.get("/admin/?lang=en").get_data(as_text=True))
    assert "(registered by the team (cycle contrat-de-ville-2016))" in dashboard and "(admin:" not in dashboard
    refresh()
    page = admin_client.get(f"/admin/subscribers/{outcome.registration.subscriber_id}?lang=fr")
    history = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split()))
    assert "Inscription à un cycle par admin@example.org" in history


def test_one_phone_width_in_the_composer_and_the_preview_tab(admin_client):
    campaign = make_campaign(1, start=False)
    phone = PREVIEW_WIDTHS["phone"]
    assert phone == 390
    composer = admin_client.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    preview = admin_client.get(f"/admin/campaigns/{campaign.id}/preview").get_data(as_text=True)
    assert f'data-preview-width="{phone}"' in composer and f"Téléphone ({phone} px)" in composer
    assert f'class="preview preview-phone" width="{phone}"' in preview and f"Téléphone ({phone} px)" in preview
    assert "375" not in composer + preview


def test_a_test_message_web_view_link_opens_before_the_campaign_is_sent(app, smtp_server, admin_client):
    """Issue #24: the test message's "Voir la version en ligne" answered 404 until the campaign was really
    sent. Its link is now a signed preview of that campaign (itsdangerous, app.tokens), which opens for
    whoever got the message (no login), and nothing else opens with a made-up or altered one."""
    app.config["SMTP_URL"] = smtp_server.url
    campaign = draft_letter("Mars au CRPVE", "Bonjour à toutes et à tous.")
    admin_client.post(f"/admin/campaigns/{campaign.id}/test", data={"addresses": "relecture@example.org"})
    deliver_queued(app)
    [delivered] = smtp_server.messages
    message = email.message_from_bytes(delivered.data, policy=policy.default)
    html_part = message.get_body(("html",)).get_content()
    [href] = re.findall(r'<a href="([^"]+)"[^>]*>Voir la version en ligne</a>', html_part)
    assert urlsplit(href).path.startswith("/apercu/")
    assert href in message.get_body(("plain",)).get_content().split()

    g.pop("_login_user", None)  # the test's app context outlives requests: forget the officer Flask-Login kept
    public = app.test_client()  # whoever received the test: not logged in
    assert public.get(f"/c/{campaign.slug}").status_code == 404  # the campaign's own web view: not yet
    page = public.get(urlsplit(href).path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Mars au CRPVE" in body and "Bonjour à toutes et à tous." in body
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Robots-Tag"] == "noindex"

    token = urlsplit(href).path.rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert public.get(f"/apercu/{forged}").status_code == 404
    assert public.get(f"/apercu/{sign(Purpose.PREFERENCES, {'c': campaign.id})}").status_code == 404  # other purpose
    assert public.get(f"/apercu/{sign(Purpose.PREVIEW, {'c': campaign.id + 1})}").status_code == 404  # no campaign
    assert public.get(f"/apercu/{sign(Purpose.PREVIEW, {'c': campaign.id}, ['another-key-0123456789abcdef0123'])}"
                      ).status_code == 404  # signed with a key the app does not hold

    # The real send keeps the campaign's public web view.
    assert start_campaign(campaign) == 1
    smtp_server.messages.clear()
    deliver_queued(app)
    real = email.message_from_bytes(smtp_server.messages[0].data, policy=policy.default)
    assert f"/c/{campaign.slug}" in real.get_body(("html",)).get_content()
    assert public.get(f"/c/{campaign.slug}").status_code == 200


VENUE = "CRPVE, Salle de conférence, Maison départementale de l'habitat, Boulevard de l'Ecoute-S'il-Pleut, 91000 EVRY"


def test_the_venue_on_one_line_everywhere(client, app):
    """Issue #24: the address typed in a textarea (CRLF line ends, a space left at a line's end) gave a break
    before each comma in .ics LOCATION values and "l'habitat , Boulevard" on the form. One function now
    (app.message.venue) makes the one line the .ics, the calendar links and the public pages show, and the
    lines of the messages' "Lieu" block."""
    cycle = make_cycle(dates=future_dates(), published=True)
    cycle.venue_address = "Maison départementale de l'habitat \r\nBoulevard de l'Ecoute-S'il-Pleut,\r\n\r\n91000 EVRY"
    db.session.commit()
    event = next(c for c in Calendar.from_ical(journee_ics(cycle.journees[0])).walk() if c.name == "VEVENT")
    assert str(event["LOCATION"]) == VENUE
    assert f"location={quote_plus(VENUE)}" in calendar_links(cycle.journees[0]).google
    assert cycle_view(cycle)["venue"] == ["CRPVE", "Salle de conférence", "Maison départementale de l'habitat",
                                          "Boulevard de l'Ecoute-S'il-Pleut", "91000 EVRY"]
    for path in (f"/inscription/{cycle.slug}", "/agenda"):
        text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", client.get(path).get_data(as_text=True)).split()))
        assert VENUE in text and "habitat ," not in text, path


def test_every_logged_action_has_a_history_line():
    """A person's history shows each logged action in words (an action missing from the table was shown as
    its token, "Export downloaded"); the audit calls of the code are read from the source."""
    from app.services.audience.people import _ACTIONS

    source = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "app").rglob("*.py"))
    logged = set(re.findall(r'\baudit\(\s*"([a-z_]+)"', source))
    logged |= {"message_sent", "message_skipped", "message_refused", "subscribe", "subscribe_pending",
               "unsubscribe"}  # written through a variable (worker_policy, core.set_subscription)
    assert len(logged) > 20 and sorted(logged - set(_ACTIONS)) == []
