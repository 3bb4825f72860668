"""Every public page on a 390 px phone, in Chromium: the subscribe form (with its errors, then thanks), the
confirmation link (valid, done, expired, forged), the registration form (errors, thanks), the manage-my-
registration page and its cancel buttons, unsubscribe (and done, and resubscribe), the preference centre and
the data request, the survey, the agenda, the web view, the login page and the error pages. Each must fit the
width (no horizontal scroll), be in French and have no critical or serious axe-core violation.

Every public GET route of the URL map must be visited here or be named in NOT_PAGES with the reason: a new
public page fails this test until it is added."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app import links
from app.services import demo
from app.services.demo import CAMPAIGN_SLUG, CYCLE_SLUG
from app.extensions import db
from app.models import Campaign, MailingList, Registration, Subscriber, SubscriptionStatus
from app.services.audience.core import Consent, set_subscription
from app.services.campaigns.lifecycle import start_campaign
from app.services.events.registrations import register
from app.services.events.surveys import survey_url
from app.tokens import Purpose, sign
from tests.browser import screenshot
from tests.conftest import TEST_SECRET_KEYS
from tests.event_factories import future_dates, make_cycle
from tests.page_checks import page_problems
from tests.sending_fixtures import deliver_queued

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

# Public GET routes that answer with something other than an HTML page, and why they are not checked here.
NOT_PAGES = {
    "public.home": "a redirect to the admin (then its login page, visited)",
    "public.healthz": "JSON probe",
    "upload_allowed": "nginx's auth_request in front of the large uploads: an empty 204/401, no page",
    "public.agenda_ics": "iCalendar file",
    "public.archives_feed": "the archive's RSS feed (XML)",
    "public.registration_ics": "iCalendar file of one journée (from the manage page)",
    "public.click": "a redirect to the clicked link",
    "public.checkin_qr": "a PNG image",
    "public.privacy_export": "the person's data as a JSON download",
    "public.certificate_download": "a PDF download",
    "public.webview_preview": "a test message's web view: the e-mail's own HTML, as public.webview (visited); "
                              "tests/test_browser_words.py opens it from a test message",
    "media.media_file": "an uploaded image",
    "operations.metrics_endpoint": "Prometheus text",
    "operations.readyz": "plain-text probe",
    "static": "CSS and JavaScript",
}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path


def _expired(purpose: Purpose, payload: dict) -> str:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 24 * 3600

    return URLSafeTimedSerializer([TEST_SECRET_KEYS[0]], salt=purpose.value, signer=Past).dumps(payload)


class Visits:
    """Checks each page shown and remembers which route served it."""

    def __init__(self, page, app) -> None:
        self.page, self.app = page, app
        self.endpoints: set[str] = set()
        self.failures: dict[str, list[str]] = {}
        self.count = 0

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        adapter = self.app.url_map.bind("localhost")
        try:
            endpoint, _args = adapter.match(_path(self.page.url), method="GET")
            self.endpoints.add(endpoint)
        except Exception:  # noqa: BLE001 - a 404 page has no route: that is what it shows
            pass
        self.count += 1
        problems = page_problems(self.page, admin=False)
        if problems:
            self.failures[f"{label} ({_path(self.page.url)})"] = problems

    def goto(self, url: str, label: str, status: int = 200) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == status, (label, response and response.status)
        self.check(label)


def _seed():
    """The demo, plus a published cycle with future journées, a confirmed subscriber and a registration."""
    demo.load_demo()
    db.session.commit()
    start_campaign(db.session.scalar(select(Campaign).where(Campaign.slug == CAMPAIGN_SLUG)))  # its web view
    deliver_queued()
    cycle = make_cycle(slug="cycle-telephone", dates=future_dates(), published=True)
    person = Subscriber(email="helene.lefevre-dubois@mairie-evry-courcouronnes.example.org", first_name="Hélène",
                        last_name="Lefèvre-Dubois")
    db.session.add(person)
    db.session.flush()
    for lst in db.session.scalars(select(MailingList)):
        set_subscription(person, lst, SubscriptionStatus.CONFIRMED, Consent("test", "formulaire"))
    pending = Subscriber(email="en.attente@example.org")
    db.session.add(pending)
    db.session.flush()
    first_list = db.session.scalar(select(MailingList).order_by(MailingList.id))
    set_subscription(pending, first_list, SubscriptionStatus.PENDING, Consent("test", "formulaire"))
    db.session.commit()
    register(cycle, "marie.curie@example.org", first_name="Marie", last_name="Curie", organisation="Ville d'Évry",
             journees=list(cycle.journees[:3]), source="admin", actor="test", notify=False)
    db.session.commit()
    registration = db.session.scalar(select(Registration).where(Registration.cycle_id == cycle.id))
    return cycle, person, pending, first_list, registration


@pytest.mark.slow
def test_every_public_page_fits_390px_in_french_without_serious_axe_violation(live_server, page, app):
    cycle, person, pending, first_list, registration = _seed()
    base = live_server.url
    page.set_viewport_size(PHONE)
    v = Visits(page, app)

    v.goto(base + "/", "accueil (la page de connexion)")
    v.goto(base + "/agenda", "agenda")
    v.goto(base + f"/c/{CAMPAIGN_SLUG}", "version en ligne de l'annonce")
    v.goto(base + "/archives", "archives publiques")
    v.goto(base + f"/archives/{CAMPAIGN_SLUG}", "l'annonce dans les archives")
    v.goto(base + "/admin/login", "connexion")

    # Subscribe: every error at once, then the thanks page.
    v.goto(base + "/subscribe", "abonnement")
    page.locator("input[name=email]").fill("pas-une-adresse")
    page.get_by_role("button", name="M'abonner").click()
    v.check("abonnement, erreurs")
    page.locator("input[name=email]").fill("nouvelle.abonnee@example.org")
    boxes = page.locator("input[name=lists]")
    if boxes.count():
        boxes.first.check()
    page.get_by_role("button", name="M'abonner").click()
    page.wait_for_url("**/subscribe/merci")
    v.check("abonnement, merci")

    # Confirmation link: the question, the answer, an expired link (and its resend), a forged one.
    confirm = sign(Purpose.CONFIRM, {"s": pending.uid, "l": [first_list.id]})
    v.goto(base + f"/confirm/{confirm}", "confirmation")
    page.get_by_role("button", name="Je confirme mon abonnement").click()
    v.check("confirmation faite")
    v.goto(base + f"/confirm/{_expired(Purpose.CONFIRM, {'s': pending.uid, 'l': [first_list.id]})}",
           "lien de confirmation expiré", status=410)
    page.locator("form button[type=submit]").first.click()
    v.check("nouveau lien envoyé")
    v.goto(base + f"/confirm/{confirm[:-4]}AAAA", "lien de confirmation falsifié", status=400)

    # Registration form: errors, then thanks.
    v.goto(base + f"/inscription/{cycle.slug}", "formulaire d'inscription")
    page.locator("form button[type=submit]").last.click()
    v.check("formulaire d'inscription, erreurs")
    page.locator("input[name=first_name]").fill("Jean-Baptiste")
    page.locator("input[name=last_name]").fill("De La Fontaine-Rochefoucauld")
    page.locator("input[name=email]").fill("jean-baptiste.delafontaine@communaute-agglomeration.example.org")
    page.locator("input[name=journees]").first.check()
    page.locator("form button[type=submit]").last.click()
    page.get_by_role("heading", name="Merci, votre inscription est enregistrée").wait_for()
    v.check("inscription enregistrée")
    # Their own link before they confirm the address: the request waits, with its "Confirmer" button.
    requested = db.session.scalar(select(Registration).join(Subscriber).where(
        Subscriber.email == "jean-baptiste.delafontaine@communaute-agglomeration.example.org"))
    v.goto(links.registration_manage_url(requested.uid).replace(app.config["BASE_URL"], base),
           "mon inscription, à confirmer")
    v.goto(base + f"/inscription/{CYCLE_SLUG}", "formulaire du cycle de démonstration (journées passées)")

    # Manage my registration: the page with its cancel buttons (all visible in the width), then cancel one.
    v.goto(links.registration_manage_url(registration.uid).replace(app.config["BASE_URL"], base), "mon inscription")
    cancel = page.get_by_role("button", name="Annuler toute mon inscription")
    box = cancel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(page, "public-registration-manage-390")
    page.get_by_role("button", name="Annuler la journée 1").click()
    v.check("mon inscription, une journée annulée")
    v.goto(base + "/r/pas-un-jeton", "lien d'inscription invalide", status=404)

    # Survey.
    v.goto(survey_url(registration, None).replace(app.config["BASE_URL"], base), "questionnaire")
    v.goto(base + "/avis/pas-un-jeton", "questionnaire, lien invalide", status=404)

    # Preference centre, the data request, unsubscribe and resubscribe.
    v.goto(links.preferences_url(person.uid).replace(app.config["BASE_URL"], base), "préférences")
    page.get_by_role("button", name="Enregistrer mes choix").click()
    v.check("préférences enregistrées")
    page.get_by_role("button", name="Recevoir mes données").click()
    v.check("demande de données envoyée")
    v.goto(links.unsubscribe_url(person.uid).replace(app.config["BASE_URL"], base), "désabonnement")
    page.get_by_role("button", name="Me désabonner").click()
    v.check("désabonnement fait")
    page.get_by_role("button", name="Me réabonner").click()
    v.check("réabonnement")
    v.goto(base + "/u/pas-un-jeton", "désabonnement, lien invalide", status=400)

    # Error pages.
    v.goto(base + "/cette-page-nexiste-pas", "page introuvable", status=404)
    v.goto(base + "/inscription/cycle-inconnu", "cycle inconnu", status=404)
    v.goto(base + "/c/campagne-inconnue", "campagne inconnue", status=404)

    print(f"\n{v.count} public page states checked at 390 px")
    report = "\n".join(f"{label}\n  " + "\n  ".join(problems) for label, problems in v.failures.items())
    assert not v.failures, f"{len(v.failures)} of {v.count} public pages fail at 390 px:\n{report}"

    public_gets = {rule.endpoint for rule in app.url_map.iter_rules()
                   if "GET" in (rule.methods or ()) and not rule.endpoint.startswith(("admin.", "api"))}
    missing = public_gets - v.endpoints - set(NOT_PAGES) - {"auth.logout"}
    assert not missing, f"public pages no test visits at 390 px: {sorted(missing)}"
    assert v.count >= 25
