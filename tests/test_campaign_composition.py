"""One ``create_campaign`` and one ``send_test`` for the admin, the API and the CLI.

``flask campaigns create`` makes a draft from a Markdown file for a list or for a cycle's (or
a journée's) registrants, and ``campaigns send`` sends it through a real SMTP server
(aiosmtpd on the loopback); the same input gives the same campaign whichever door it came
through; the admin and the API refuse the eleventh test address in the same French words.
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Campaign,
    CampaignTemplate,
    MailingList,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    TransactionalMessage,
)
from app.services.audience import people
from tests.api_helpers import token_header
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

LETTER = """# Les nouvelles de juin

Bonjour,

La **journée 2** approche : pensez à nous dire si vous venez.
"""

# What makes two campaigns "the same": everything the officer or a template decides.
SAME = ("template", "subject", "preheader", "from_name", "reply_to", "segment", "cycle_id", "journee_id", "content")


def _shape(campaign: Campaign) -> dict:
    return {**{name: getattr(campaign, name) for name in SAME}, "lists": [m.slug for m in campaign.lists]}


def _people_and_registrants():
    """A list of three; Ana and Eve registered for journée 2, Ben for journée 1 only."""
    letter = MailingList(slug="lettre", name="Lettre du CRPVE")
    db.session.add(letter)
    db.session.commit()
    who = {name: people.add_person(f"{name}@exemple.fr", {"first_name": name.title()}, [letter], actor="test")
           for name in ("ana", "ben", "eve")}
    cycle = make_cycle(dates=future_dates())
    j1, j2 = cycle.journees[0], cycle.journees[1]
    for name, journee in (("ana", j2), ("ben", j1), ("eve", j2)):
        registration = Registration(cycle=cycle, subscriber=who[name])
        registration.days.append(RegistrationDay(journee=journee, status=RegistrationStatus.CONFIRMED))
        db.session.add(registration)
    db.session.commit()
    return letter, cycle


def _create(cli_runner, tmp_path, *args: str):
    source = tmp_path / "lettre.md"
    source.write_text(LETTER, encoding="utf-8")
    return cli_runner.invoke(args=["campaigns", "create", "--subject", "Juin au CRPVE", "--markdown", str(source), *args])


# doc-commands: docs/views-and-services.md flask --app wsgi campaigns
def test_cli_creates_a_draft_for_a_list_then_sends_it(app, cli_runner, tmp_path, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    _people_and_registrants()
    result = _create(cli_runner, tmp_path, "--list", "lettre", "--preheader", "Trois dates à retenir")
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.status.value, campaign.name, campaign.subject, campaign.preheader) == (
        "draft", "Juin au CRPVE", "Juin au CRPVE", "Trois dates à retenir")
    assert [m.slug for m in campaign.lists] == ["lettre"] and campaign.segment == {}
    assert campaign.content["blocks"] == [
        {"type": "title", "text": "Les nouvelles de juin"},
        {"type": "text", "text": "Bonjour,\n\nLa **journée 2** approche : pensez à nous dire si vous venez."}]
    assert f"Brouillon créé : {campaign.slug}" in result.output
    sent = cli_runner.invoke(args=["campaigns", "send", campaign.slug])
    assert sent.exit_code == 0 and "3 destinataires en file" in sent.output, sent.output
    deliver_queued(app)
    assert sorted(smtp_server.recipients()) == ["ana@exemple.fr", "ben@exemple.fr", "eve@exemple.fr"]
    message = smtp_server.messages[0].parsed()
    assert message["Subject"] == "Juin au CRPVE"
    assert "pensez à nous dire si vous venez" in message.get_body(("plain",)).get_content()


def test_cli_creates_a_draft_for_a_journees_registrants(app, cli_runner, tmp_path, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    _letter, cycle = _people_and_registrants()
    result = _create(cli_runner, tmp_path, "--audience", f"registered:{cycle.slug}:2", "--name", "Aux inscrits")
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(select(Campaign))
    assert campaign.lists == [] and campaign.cycle_id == cycle.id
    assert campaign.segment == {"event": {"kind": "journee", "cycle_id": cycle.id, "journee_id": cycle.journees[1].id}}
    assert cli_runner.invoke(args=["campaigns", "send", str(campaign.id)]).exit_code == 0
    deliver_queued(app)
    assert sorted(smtp_server.recipients()) == ["ana@exemple.fr", "eve@exemple.fr"]


def test_cli_refuses_bad_input_in_one_line_and_keeps_nothing(app, cli_runner, tmp_path):
    _letter, cycle = _people_and_registrants()
    cases = {
        ("--list", "nope"): "Liste inconnue : nope",
        ("--audience", f"registered:{cycle.slug}:9"): "n'a pas de journée 9",
        ("--audience", "registered:inconnu"): "Cycle introuvable",
        ("--audience", "inscrits:x"): "Public invalide",
        (): "Indiquez --list SLUG ou --audience",
        ("--list", "lettre", "--audience", f"registered:{cycle.slug}"): "l'un ou l'autre",
        ("--list", "lettre", "--reply-to", "a\nb@exemple.fr"): "« Adresse de réponse » : pas de retour à la ligne.",
    }
    for args, words in cases.items():
        result = _create(cli_runner, tmp_path, *args)
        assert result.exit_code == 1 and words in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
    too_long = _create(cli_runner, tmp_path, "--list", "lettre", "--name", "x" * 301)
    assert too_long.exit_code == 1 and "« Nom interne » : 300 caractères au plus." in too_long.output
    assert db.session.scalar(select(Campaign)) is None


def test_admin_api_and_cli_make_the_same_campaign(app, admin_client, client, cli_runner, tmp_path):
    letter, cycle = _people_and_registrants()
    cycle.title = "T" * 290  # kicker + " : " + title is longer than a subject: cut at 300, the same everywhere
    db.session.commit()
    headers = token_header("campaigns:write")

    # An announcement: subject and preheader derived from the cycle, the first list by default.
    admin_client.post("/admin/campaigns/new", data={"template": "cycle_announcement", "name": "Annonce",
                                                    "cycle_id": cycle.id, "journee_id": 0})
    created = client.post("/api/v1/campaigns", headers=headers,
                          json={"name": "Annonce", "template": "cycle_announcement", "cycle_id": cycle.id})
    assert created.status_code == 201, created.get_json()
    by_admin, by_api = db.session.scalars(select(Campaign).order_by(Campaign.id)).all()
    assert _shape(by_admin) == _shape(by_api)
    assert len(by_api.subject) == 300 and by_api.subject.startswith("Cycle de qualification : TTT")
    assert by_api.preheader == "Mars 2016 – Juin 2016" and [m.slug for m in by_api.lists] == ["lettre"]
    assert by_admin.slug == "annonce" and by_api.slug == "annonce-2"

    # A letter to journée 2's registrants: the admin's "Écrire aux inscrits", the API, the CLI.
    journee = cycle.journees[1]
    admin_client.post(f"/admin/events/{cycle.id}/write", data={"journee_id": journee.id})
    by_admin = db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).first()
    audience = {"kind": "journee", "cycle_id": cycle.id, "journee_id": journee.id}
    created = client.post("/api/v1/campaigns", headers=headers, json={"name": by_admin.name, "audience": audience})
    assert created.status_code == 201, created.get_json()
    by_api = db.session.get(Campaign, created.get_json()["id"])
    assert _shape(by_admin) == _shape(by_api)
    # Cut to the column, the journée kept whole: the title gives way.
    assert len(by_api.subject) == 300 and by_api.subject.endswith("TT — journée 2") and by_api.lists == []
    assert by_api.segment == {"event": audience}

    # The CLI names its subject and writes Markdown: the API given the same gets the same campaign.
    source = tmp_path / "lettre.md"
    source.write_text(LETTER, encoding="utf-8")
    result = cli_runner.invoke(args=["campaigns", "create", "--name", "Juin", "--subject", by_api.subject,
                                     "--markdown", str(source), "--audience", f"registered:{cycle.slug}:2"])
    assert result.exit_code == 0, result.output
    by_cli = db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).first()
    created = client.post("/api/v1/campaigns", headers=headers, json={
        "name": "Juin", "subject": by_api.subject, "audience": audience, "blocks": by_cli.content["blocks"]})
    by_api = db.session.get(Campaign, created.get_json()["id"])
    assert _shape(by_cli) == _shape(by_api) and by_cli.template == CampaignTemplate.NEWSLETTER
    assert by_cli.segment == {"event": audience} and by_cli.lists == []


def test_the_same_refusals_through_the_admin_the_api_and_the_cli(app, admin_client, client, cli_runner, tmp_path):
    _people_and_registrants()
    headers = token_header("campaigns:write")
    missing = client.post("/api/v1/campaigns", headers=headers, json={"name": "A", "template": "cycle_announcement"})
    assert missing.status_code == 422
    assert missing.get_json()["messages"] == {"fr": "Choisissez le cycle à annoncer.",
                                              "en": "Choose the cycle to announce."}
    page = admin_client.post("/admin/campaigns/new", data={"template": "cycle_announcement", "name": "A",
                                                           "cycle_id": 0, "journee_id": 0})
    assert page.status_code == 400 and "Choisissez le cycle à annoncer." in page.get_data(as_text=True)
    unknown = client.post("/api/v1/campaigns", headers=headers, json={"name": "A", "lists": ["lettre", "nope"]})
    assert unknown.status_code == 422 and unknown.get_json()["detail"] == "Liste inconnue : nope"
    assert unknown.get_json()["errors"] == {"lists": ["nope"]}
    assert "Liste inconnue : nope" in _create(cli_runner, tmp_path, "--list", "nope").output
    assert db.session.scalar(select(Campaign)) is None


def test_admin_and_api_refuse_the_eleventh_test_address_in_the_same_words(app, admin_client, client, cli_runner):
    letter, _cycle = _people_and_registrants()
    campaign = Campaign(slug="juin", name="Juin", subject="Juin", template=CampaignTemplate.NEWSLETTER, lists=[letter],
                        content={"blocks": [{"type": "title", "text": "Juin"}, {"type": "text", "text": "Bonjour."}]})
    db.session.add(campaign)
    db.session.commit()
    eleven = [f"relecture{i}@exemple.fr" for i in range(11)]
    page = admin_client.post(f"/admin/campaigns/{campaign.id}/test", data={"addresses": "\n".join(eleven)},
                             follow_redirects=True)
    assert "Dix adresses de test au plus." in page.get_data(as_text=True)
    answer = client.post(f"/api/v1/campaigns/{campaign.id}/test", headers=token_header("campaigns:write"),
                         json={"addresses": eleven})
    assert answer.status_code == 422
    assert answer.get_json()["messages"] == {"fr": "Dix adresses de test au plus.", "en": "Ten test addresses at most."}
    refused = cli_runner.invoke(args=["campaigns", "test", "juin", *eleven])
    assert refused.exit_code == 1 and "Error: Dix adresses de test au plus." in refused.output
    assert db.session.scalar(select(TransactionalMessage)) is None
    # Ten pass, through each door; an invalid one among them stops all of them, in the same words.
    assert client.post(f"/api/v1/campaigns/{campaign.id}/test", headers=token_header("campaigns:write"),
                       json={"addresses": eleven[:10]}).status_code == 202
    bad = admin_client.post(f"/admin/campaigns/{campaign.id}/test", data={"addresses": "ok@exemple.fr\nnot-an-address"},
                            follow_redirects=True)
    assert "Adresse de test invalide" in bad.get_data(as_text=True)
    done = cli_runner.invoke(args=["campaigns", "test", "juin", "relecture@exemple.fr"])
    assert done.exit_code == 0 and "relecture@exemple.fr : en file" in done.output
    rows = db.session.scalars(select(TransactionalMessage)).all()
    assert len(rows) == 11 and {r.reference for r in rows} == {f"test:campaign:{campaign.id}"}
