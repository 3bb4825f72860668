"""One LettrineError base, mapped once at each edge: the web (flash and back, or an error page),
the API (problem+json with the French message and a stable code), the command line (one line, exit 1)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from app.errors import LettrineError
from app.extensions import db
from app.message.builder import HeaderInjection
from app.message.dkim import DKIMError
from app.message.render import RenderError
from app.models import Campaign, CampaignTemplate, MailingList, utcnow
from app.services import audience, campaigns, deliverability, events, integrations, support
from app.tokens import InvalidToken
from tests.api_helpers import token_header

# Every refusal the services, the tokens and the message package explain to a person.
DOMAIN_ERRORS = [
    campaigns.CampaignStateError, campaigns.PreflightFailed, campaigns.MessageRefused, campaigns.ReuseError,
    campaigns.SegmentError,
    events.RegistrationError, events.CycleError, events.SurveyError, events.AttendanceError, events.CertificateError,
    events.InvalidReminderRules,
    audience.ListError, audience.ImportFileError, audience.SuppressionError, audience.InvalidAddress,
    audience.InvalidCriterion, audience.RecordRefused, audience.PersonError,
    integrations.TokenError, integrations.EndpointError,
    support.MediaError, support.BackupError, support.StorageError,
    deliverability.NotUndoable,
    InvalidToken, RenderError, HeaderInjection, DKIMError,
]


def test_every_domain_error_is_a_lettrine_error_with_a_status_and_a_code():
    assert len(set(DOMAIN_ERRORS)) == 28
    for error in DOMAIN_ERRORS:
        assert issubclass(error, LettrineError), error
        assert 400 <= error.status < 600 and error.code, error
    codes = [error.code for error in DOMAIN_ERRORS]
    assert len(codes) == len(set(codes)), "two errors share a code"


def test_the_message_is_the_french_text_and_value_errors_stay_value_errors():
    error = campaigns.CampaignStateError("Cette campagne est déjà partie.")
    assert str(error) == error.message == "Cette campagne est déjà partie."
    assert (error.status, error.code) == (409, "campaign_state") and error.en
    with pytest.raises(ValueError):  # code that catches ValueError keeps working
        raise audience.ListError("La liste « x » existe déjà.")
    refused = audience.RecordRefused(409, "Adresse exclue.", "Address suppressed.")
    assert (refused.status, refused.message, refused.en, refused.fr) == (409, "Adresse exclue.", "Address suppressed.",
                                                                        "Adresse exclue.")
    custom = LettrineError("Non.", status=404, code="absent", en="No.")
    assert (custom.status, custom.code, custom.en) == (404, "absent", "No.")
    assert LettrineError.status == 400  # the instance's status did not change the class's


# --- the web --------------------------------------------------------------------------------

def _lists() -> int:
    return db.session.scalar(select(func.count()).select_from(MailingList)) or 0


def test_a_refused_form_goes_back_to_its_page_with_the_message(admin_client):
    form = {"slug": "formations", "name": "Formations", "description": ""}
    assert admin_client.post("/admin/lists/new", data=form).status_code == 302
    page = "http://localhost/admin/lists?tri=nom"
    again = admin_client.post("/admin/lists/new", data=form, headers={"Referer": page})
    assert again.status_code == 303 and again.headers["Location"] == "/admin/lists?tri=nom"
    shown = admin_client.get("/admin/lists").get_data(as_text=True)
    assert "existe déjà" in shown
    assert _lists() == 1  # nothing half-made


def test_without_a_page_to_go_back_to_the_refusal_is_an_error_page(admin_client):
    form = {"slug": "formations", "name": "Formations", "description": ""}
    admin_client.post("/admin/lists/new", data=form)
    for headers in ({}, {"Referer": "https://ailleurs.example.org/admin/lists"}, {"Referer": "//evil.example/x"}):
        refused = admin_client.post("/admin/lists/new", data=form, headers=headers)
        body = refused.get_data(as_text=True)
        assert refused.status_code == audience.ListError.status, headers  # never a redirect to another site
        assert "Action impossible" in body and "existe déjà" in body and "Traceback" not in body


def test_the_error_page_follows_the_interface_language(admin_client):
    form = {"slug": "formations", "name": "Formations", "description": ""}
    admin_client.post("/admin/lists/new", data=form)
    refresh()  # the test's app context outlives requests: forget the locale Flask-Babel kept from the last one
    refused = admin_client.post("/admin/lists/new?lang=en", data=form)
    assert "Action not possible" in refused.get_data(as_text=True)


# --- the API ---------------------------------------------------------------------------------

def _campaign() -> Campaign:
    mailing_list = MailingList(slug="lettre", name="Lettre")
    campaign = Campaign(slug="c1", name="C1", subject="Objet", preheader="Aperçu",
                        template=CampaignTemplate.NEWSLETTER, content={"blocks": [{"type": "text", "text": "Bonjour"}]})
    campaign.lists.append(mailing_list)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_the_api_answers_a_refusal_as_problem_json_with_its_code(client):
    campaign = _campaign()
    past = client.post(f"/api/v1/campaigns/{campaign.id}/schedule", headers=token_header("campaigns:send"),
                       json={"at": (utcnow() - timedelta(hours=1)).isoformat()})
    body = past.get_json()
    assert past.status_code == 409 and past.mimetype == "application/problem+json"
    assert body["code"] == "campaign_state" and body["status"] == 409 and "passée" in body["detail"]
    assert body["messages"] == {"fr": body["detail"], "en": campaigns.CampaignStateError.en}


# --- the command line ---------------------------------------------------------------------

def test_the_command_line_says_a_refusal_in_one_line(cli_runner):
    args = ["lists", "create", "formations", "--name", "Formations"]
    assert cli_runner.invoke(args=args).exit_code == 0
    again = cli_runner.invoke(args=args)
    lines = again.output.strip().splitlines()
    assert again.exit_code == 1 and len(lines) == 1 and "existe déjà" in lines[0], again.output
    assert _lists() == 1
