"""Labels and links of issue #24: sources in words in both languages (they read "form" and "admin"), the
phone preview one width everywhere (the editor said 390 px, the preview tab 375 px)."""
from __future__ import annotations

import html
import re

from flask_babel import force_locale, refresh

from app.extensions import db
from app.services.audience import source_label
from app.services.events import register
from app.web.admin import PREVIEW_WIDTHS
from tests.english_crawl import visible_text
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import make_campaign


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
