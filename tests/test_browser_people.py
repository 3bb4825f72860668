"""The officer's everyday work in Chromium (issue 14): add a person by hand, find them
without accents and by organisation, unsubscribe them, erase another; duplicate the demo
cycle onto 2027 and announce the copy; write to journée 2's registrants (only they
receive it); upload an image into a newsletter and see it in the preview; the cycle
editor survives a validation error; the sidebar fits 1280 px and folds into a menu on a
tablet."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignTemplate, Cycle, MailingList, OutboxMessage, Subscriber, SubscriberStatus
from app.services.audience import people
from app.services.events.registrations import register
from app.services.events import choice_label
from tests.browser import screenshot
from tests.sending_fixtures import deliver_queued
from tests.test_browser_workspace import _load_demo, _login
from tests.emailcheck import plain_spaces

pytestmark = pytest.mark.browser


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_add_find_unsubscribe_and_erase_people(live_server, page, admin_user):
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    db.session.commit()
    other = people.add_person("a.effacer@exemple.fr", {"first_name": "Paul", "last_name": "Martin"},
                              [db.session.scalar(select(MailingList))], actor="setup")
    _login(page, live_server, admin_user.email)
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.bounding_box()["x"] < 50 and nav.bounding_box()["width"] < 260  # a left sidebar
    assert _no_horizontal_overflow(page)
    screenshot(page, "workspace-sidebar")

    nav.get_by_role("link", name="Abonnés").click()
    page.get_by_role("link", name="Ajouter une personne").click()
    page.get_by_label("Adresse e-mail").fill("helene.lefevre@mairie-evry.fr")
    page.get_by_label("Prénom").fill("Hélène")
    page.get_by_label("Nom", exact=True).fill("Lefèvre")
    page.get_by_label("Organisme").fill("Mairie d'Évry-Courcouronnes")
    page.get_by_label("Formations CRPVE").check()
    page.get_by_role("button", name="Ajouter", exact=True).click()
    page.get_by_text("helene.lefevre@mairie-evry.fr a été ajouté·e.").wait_for()

    for query in ("lefevre", "mairie"):
        nav.get_by_role("link", name="Abonnés").click()
        page.get_by_role("searchbox").fill(query)
        page.get_by_role("button", name="Rechercher").click()
        page.get_by_role("link", name="helene.lefevre@mairie-evry.fr").wait_for()
    screenshot(page, "workspace-subscribers-search")
    page.get_by_role("link", name="helene.lefevre@mairie-evry.fr").click()
    page.get_by_role("button", name="Désabonner de toutes les listes").click()
    page.get_by_text("Désabonné·e de toutes les listes.").wait_for()
    assert page.get_by_text("Désabonné·e de toutes les listes par admin@example.org").is_visible()
    screenshot(page, "workspace-subscriber")
    db.session.expire_all()
    person = db.session.scalar(select(Subscriber).where(Subscriber.email == "helene.lefevre@mairie-evry.fr"))
    assert person.status == SubscriberStatus.UNSUBSCRIBED

    page.goto(f"{live_server.url}/admin/subscribers/{other.id}")
    page.get_by_text("Effacer cette personne (RGPD)").click()
    page.get_by_label("Je confirme l'effacement de a.effacer@exemple.fr").check()
    page.get_by_role("button", name="Effacer définitivement").click()
    page.get_by_text("Les données personnelles de ce contact ont été effacées.").wait_for()
    db.session.expire_all()
    assert db.session.get(Subscriber, other.id).email is None

    page.goto(live_server.url + "/admin/suppressions")
    page.get_by_label("Adresses ou domaines").fill("@ancienne-asso.fr")
    page.get_by_role("button", name="Ajouter à la liste d'exclusion").click()
    page.get_by_text("1 entrée(s) ajoutée(s)").wait_for()
    assert page.get_by_role("cell", name="@ancienne-asso.fr").is_visible()
    assert page.get_by_role("cell", name="helene.lefevre@mairie-evry.fr").is_visible()
    screenshot(page, "workspace-suppressions")

    page.set_viewport_size({"width": 800, "height": 900})
    page.reload()
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.is_visible() and not nav.is_visible()
    toggle.click()
    assert nav.get_by_role("link", name="Campagnes").is_visible() and _no_horizontal_overflow(page)
    screenshot(page, "workspace-sidebar-tablet")


def test_duplicate_the_demo_cycle_to_2027_and_announce_the_copy(live_server, page, admin_user):
    cycle = _load_demo()
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}")
    page.get_by_role("link", name="Dupliquer sur de nouvelles dates").click()
    for number, day in enumerate(("2027-02-04", "2027-03-04", "2027-04-08", "2027-05-20"), start=1):
        page.locator(f"#date-{number}").fill(day)
    page.get_by_role("button", name="Créer la copie").click()
    page.get_by_text("Cycle copié avec ses rappels, en brouillon").wait_for()
    db.session.expire_all()
    copy = db.session.scalar(select(Cycle).where(Cycle.id != cycle.id))
    assert copy.period == "Février 2027 – Mai 2027" and not copy.published  # a draft until she publishes it
    page.goto(f"{live_server.url}/admin/events/{copy.id}/edit")
    page.get_by_label("Publié").check()
    page.get_by_role("button", name="Enregistrer le cycle").click()
    page.get_by_role("button", name="Créer l'annonce").click()
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+/edit$"))
    db.session.expire_all()
    announcement = db.session.scalar(select(Campaign).where(
        Campaign.cycle_id == copy.id, Campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT))
    assert announcement is not None
    page.get_by_role("link", name="Aperçu et vérifications").click()
    body = plain_spaces(page.frame_locator("iframe.preview-desktop").locator("body").inner_text())
    assert "4 février 2027" in body and "20 mai 2027" in body and "10 mars 2016" not in body
    assert page.get_by_text("Aucune erreur bloquante.").is_visible()
    # Last year's funder sentence, copied with the texts: preflight names it (a warning).
    assert page.get_by_text("« Mention des financeurs » mentionne 2016").is_visible()


def test_write_to_the_registrants_of_journee_2_only(live_server, page, admin_user, app):
    cycle = _load_demo()
    j1, j2 = cycle.journees[0], cycle.journees[1]
    register(cycle, "deux@exemple.fr", first_name="Deux", journees=[j2], allow_past=True, notify=False)
    register(cycle, "les-deux@exemple.fr", journees=[j1, j2], allow_past=True, notify=False)
    register(cycle, "une@exemple.fr", journees=[j1], allow_past=True, notify=False)
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}")
    page.get_by_role("button", name="Écrire aux inscrits de la journée 2").click()
    page.get_by_text("Brouillon créé pour les inscrits").wait_for()
    assert page.locator("#audience-count").text_content().strip() == "2"
    page.get_by_label("Inscription à un événement").select_option(label=f"{choice_label(cycle)} — inscrits au cycle")
    page.locator("#audience-count", has_text=re.compile(r"^\s*3\s*$")).wait_for()
    page.get_by_label("Inscription à un événement").select_option(label=f"{choice_label(cycle)} · {choice_label(j2)} : inscrits")
    page.locator("#audience-count", has_text=re.compile(r"^\s*2\s*$")).wait_for()
    page.locator("#blocks-0-text").fill("Changement de salle")
    page.locator("#blocks-2-text").fill("La journée 2 aura lieu en salle B.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Campagne enregistrée.").wait_for()
    page.get_by_role("link", name="Envoyer maintenant").click()
    page.get_by_role("button", name="Oui, envoyer à 2 destinataires").click()
    page.get_by_text("2 destinataires en file").wait_for()
    db.session.expire_all()
    deliver_queued(app)
    sent = {m.recipients for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("journée 2")))}
    assert sent == {"deux@exemple.fr", "les-deux@exemple.fr"}


def test_upload_an_image_into_a_newsletter_and_see_it_in_the_preview(live_server, page, admin_user, tmp_path, app):
    _load_demo()
    # The newsletter template shows https images only; production's BASE_URL is https (the
    # live server's is http): messages name the image by BASE_URL, the test fetches it here.
    app.config["BASE_URL"] = "https://lettres.crpve91.fr"
    image = tmp_path / "affiche.png"
    Image.new("RGB", (1600, 900), (20, 90, 160)).save(image)
    _login(page, live_server, admin_user.email)
    page.goto(live_server.url + "/admin/campaigns/new?template=newsletter")
    page.get_by_label("Nom interne").fill("Lettre de printemps")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+/edit$"))
    page.locator("#subject").fill("Printemps au CRPVE")
    page.locator("#blocks-0-text").fill("Printemps au CRPVE")
    page.locator("#blocks-2-text").fill("Bonjour à toutes et à tous.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Campagne enregistrée.").wait_for()
    page.locator("#image").set_input_files(str(image))
    page.get_by_role("button", name="Ajouter l'image à la lettre").click()
    assert page.get_by_text("Décrivez l'image").is_visible()  # alt text is required
    page.locator("#image").set_input_files(str(image))
    page.get_by_label("Texte alternatif (obligatoire").fill("Affiche bleue du printemps")
    page.get_by_role("button", name="Ajouter l'image à la lettre").click()
    page.get_by_text("Image ajoutée en fin de lettre.").wait_for()
    page.get_by_role("link", name="Aperçu et vérifications").click()
    screenshot(page, "workspace-newsletter-image")
    img = page.frame_locator("iframe.preview-desktop").locator('img[alt="Affiche bleue du printemps"]')
    src = img.get_attribute("src")
    assert re.match(r"^https://lettres\.crpve91\.fr/media/[0-9a-f]{32}-1200\.png$", src)
    served = page.request.get(live_server.url + "/media/" + src.rsplit("/media/", 1)[1])
    assert served.ok and Image.open(io.BytesIO(served.body())).size == (1200, 675)


def test_the_cycle_editor_survives_a_validation_error(live_server, page, admin_user):
    cycle = _load_demo()
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}/edit")
    page.locator("#rule-days-0").fill("10")
    page.locator("#rule-time-0").fill("08:30")
    title = page.get_by_label("Titre", exact=True)
    title.fill("")
    page.evaluate("document.querySelector('#title').removeAttribute('required')")
    page.get_by_role("button", name="Enregistrer le cycle").click()
    page.get_by_text("Le cycle n'a pas été enregistré").wait_for()
    assert page.locator("#rule-days-0").input_value() == "10" and "days_before" not in page.content()
    page.get_by_label("Titre", exact=True).fill("Comment faire vivre un contrat de ville")
    page.get_by_role("button", name="Enregistrer le cycle").click()
    page.get_by_text("Cycle enregistré").wait_for()
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).reminder_rules[0] == {"days_before": 10, "time": "08:30"}


def test_every_admin_page_fits_1280_px_with_the_sidebar(live_server, page, admin_user):
    """No horizontal scroll at 1280 px on the pages of the navigation and the officer's
    everyday pages (person, list, suppression list, segments, media, cycle copy)."""
    cycle = _load_demo()
    ml = db.session.scalar(select(MailingList))
    person = people.add_person("lea.benoit@exemple.fr", {"first_name": "Léa", "last_name": "Benoît",
                                                          "organisation": "Mairie de Grigny"}, [ml], actor="setup")
    _login(page, live_server, admin_user.email)
    nav = page.get_by_role("navigation", name="Navigation principale")
    paths = [a.get_attribute("href") for a in nav.get_by_role("link").all()]
    paths += [f"/admin/subscribers/{person.id}", f"/admin/lists/{ml.id}", "/admin/subscribers/new",
              "/admin/suppressions", f"/admin/events/{cycle.id}", f"/admin/events/{cycle.id}/edit",
              f"/admin/events/{cycle.id}/duplicate", "/admin/campaigns/new"]
    wide = []
    for path in paths:
        page.goto(live_server.url + path)
        if not _no_horizontal_overflow(page):
            wide.append(path)
        assert page.locator("html").get_attribute("lang") == "fr"
    assert wide == [], f"pages wider than 1280 px: {wide}"
