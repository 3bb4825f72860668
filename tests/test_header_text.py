"""One validator for the text that ends up in a mail header (issue #22): subject, preheader, the
sender's name and the reply-to. Refused with a French 4xx at every entry point (the composer, the
API, the CLI), and a campaign saved before the check previews and is checked without a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.message.header_text import (
    ADDRESS_IN_NAME,
    CONTROL,
    NOT_ONE_MAILBOX,
    HeaderTextError,
    check_field,
    without_controls,
)
from app.models import Campaign, MailingList
from app.services.campaigns.content_checks import campaign_checks
from tests.api_helpers import token_header

# The audit's findings first, then their relatives: C0 and C1 controls, DEL, the Unicode separators.
CONTROLS = ["\x0b", "\x0c", "\x1c", "\x00", "\t", "\x7f", "\x85", "\u2028", "\u2029"]
SPOOFED_NAMES = ["Banque <alerte@banque.fr>", "alerte@banque.fr", "Banque ＜alerte＠banque.fr＞", "<x>"]
NOT_ONE = ["a@exemple.fr, b@exemple.fr", "a@exemple.fr b@exemple.fr", "a@exemple.fr;b@exemple.fr",
           "CRPVE <formations@crpve91.fr>", "pas-une-adresse", "a@b", "@exemple.fr", "a@@exemple.fr", "(x) a@exemple.fr"]


@pytest.mark.parametrize("char", CONTROLS)
@pytest.mark.parametrize("field", ["subject", "preheader", "from_name", "reply_to"])
def test_no_control_character_in_any_header_field(field, char):
    with pytest.raises(HeaderTextError) as refused:
        check_field(field, f"Journée{char}du 12 mars")
    assert refused.value.reason == CONTROL and refused.value.status == 422
    assert f"U+{ord(char):04X}" in refused.value.fr and "contrôle" in refused.value.fr


@pytest.mark.parametrize("name", SPOOFED_NAMES)
def test_no_address_inside_a_display_name(name):
    with pytest.raises(HeaderTextError) as refused:
        check_field("from_name", name)
    assert refused.value.reason == ADDRESS_IN_NAME


@pytest.mark.parametrize("value", NOT_ONE)
def test_reply_to_is_exactly_one_mailbox(value):
    with pytest.raises(HeaderTextError) as refused:
        check_field("reply_to", value)
    assert refused.value.reason == NOT_ONE_MAILBOX


def test_what_people_really_type_passes():
    assert check_field("subject", "  Journée 2 : « Habiter » — l'été à Évry 🌳 ") == "Journée 2 : « Habiter » — l'été à Évry 🌳"
    assert check_field("from_name", "CRPVE Essonne (centre de ressources)") == "CRPVE Essonne (centre de ressources)"
    assert check_field("reply_to", " formations@crpve91.fr ") == "formations@crpve91.fr"
    assert check_field("reply_to", "") == ""  # empty: the instance's default
    assert check_field("subject", "Des adresses : écrire à a@b.fr") == "Des adresses : écrire à a@b.fr"  # not a name
    assert without_controls("Cycle\x0bde\u2028qualification") == "Cycle de qualification"


def _lettre() -> None:
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    db.session.commit()


@pytest.mark.parametrize("field,value,words", [
    ("subject", "Bonjour\x0bà tous", "caractère de contrôle interdit (U+000B)"),
    ("subject", "Bonjour\x1cà tous", "caractère de contrôle interdit (U+001C)"),
    ("preheader", "Trois dates\x0cà retenir", "caractère de contrôle interdit (U+000C)"),
    ("from_name", "Banque <alerte@banque.fr>", "« Nom de l'expéditeur » : un nom d'expéditeur ne contient pas d'adresse"),
    ("reply_to", "a@exemple.fr, b@exemple.fr", "« Adresse de réponse » : une seule adresse e-mail"),
    ("reply_to", "n'importe quoi", "une seule adresse e-mail"),
    ("reply_to", "a..b@exemple.fr", "une seule adresse e-mail"),  # past the pattern, the address validator's
])
def test_the_api_refuses_them_with_a_french_422_on_create_and_update(client, field, value, words):
    _lettre()
    headers = token_header("campaigns:write")
    created = client.post("/api/v1/campaigns", headers=headers, json={"name": "Juin", field: value})
    assert created.status_code == 422 and created.content_type == "application/problem+json", created.get_json()
    body = created.get_json()
    assert words in body["detail"] and body["errors"] == {field: [body["errors"][field][0]]}
    assert body["messages"]["en"] and body["messages"]["en"] != body["detail"]
    assert db.session.scalar(select(Campaign)) is None

    made = client.post("/api/v1/campaigns", headers=headers, json={"name": "Juin", "subject": "Juin"}).get_json()
    updated = client.patch(f"/api/v1/campaigns/{made['id']}", headers=headers, json={field: value})
    assert updated.status_code == 422 and words in updated.get_json()["detail"]
    db.session.expire_all()
    assert getattr(db.session.get(Campaign, made["id"]), field) != value


def test_the_composer_refuses_them_and_keeps_the_saved_values(admin_client):
    _lettre()
    admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": "X", "cycle_id": 0, "journee_id": 0})
    campaign = db.session.scalar(select(Campaign))
    for field, value, words in (("subject", "Juin\x0bau CRPVE", "caractère de contrôle interdit"),
                                ("from_name", "Banque <alerte@banque.fr>", "ne contient pas d&#39;adresse"),
                                ("reply_to", "a@exemple.fr;b@exemple.fr", "une seule adresse e-mail")):
        page = admin_client.post(f"/admin/campaigns/{campaign.id}/edit", follow_redirects=True,
                                 data={"name": "X", "subject": "Juin", field: value, "action": "save"})
        assert page.status_code == 200 and words in page.get_data(as_text=True), field
        db.session.refresh(campaign)
        assert getattr(campaign, field) != value


def test_the_cli_refuses_them_in_one_french_line(cli_runner, tmp_path):
    _lettre()
    source = tmp_path / "lettre.md"
    source.write_text("# Juin\n\nTrois dates.", encoding="utf-8")
    for option, value, words in (("--subject", "Juin\x1cau CRPVE", "caractère de contrôle interdit (U+001C)"),
                                 ("--from-name", "Banque <alerte@banque.fr>", "ne contient pas d'adresse"),
                                 ("--reply-to", "a@exemple.fr, b@exemple.fr", "une seule adresse e-mail")):
        args = ["campaigns", "create", "--subject", "Juin", "--markdown", str(source), "--list", "lettre", option, value]
        result = cli_runner.invoke(args=args)
        assert result.exit_code == 1 and words in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    assert db.session.scalar(select(Campaign)) is None


def test_a_campaign_saved_before_the_check_previews_without_a_500_and_cannot_go_out(admin_client, client):
    """The finding: a subject with ``\\x0b`` was accepted, then its preview answered 500."""
    _lettre()
    campaign = Campaign(slug="ancienne", name="Ancienne", subject="Juin\x0bau CRPVE", from_name="Banque <alerte@banque.fr>",
                        content={"blocks": [{"type": "title", "text": "Juin"}, {"type": "text", "text": "Bonjour"}]})
    db.session.add(campaign)
    db.session.commit()
    api = client.get(f"/api/v1/campaigns/{campaign.id}/preview", headers=token_header("campaigns:read"))
    assert api.status_code == 422 and "U+000B" in api.get_json()["detail"] and "pas d'adresse" in api.get_json()["detail"]
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/preview")
    assert page.status_code == 200 and "caractère de contrôle interdit" in page.get_data(as_text=True)
    draft = admin_client.post(f"/admin/campaigns/{campaign.id}/preview-draft", data={"subject": "Juin\x0cau CRPVE"})
    assert draft.status_code == 200 and "U+000C" in draft.get_data(as_text=True)
    problems = campaign_checks(campaign)
    assert any("U+000B" in p for p in problems) and any("ne contient pas d'adresse" in p for p in problems)


def test_derived_subjects_lose_the_control_characters_a_cycle_title_had(client):
    from tests.event_factories import future_dates, make_cycle

    cycle = make_cycle(dates=future_dates())
    cycle.title = "Habiter\x0bla ville"
    db.session.commit()
    answer = client.post("/api/v1/campaigns", headers=token_header("campaigns:write"),
                         json={"name": "Annonce", "template": "cycle_announcement", "cycle_id": cycle.id})
    assert answer.status_code == 201, answer.get_json()
    assert "\x0b" not in answer.get_json()["subject"] and "Habiter la ville" in answer.get_json()["subject"]
