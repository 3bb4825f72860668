"""What the admin's small forms save, now that each save is a service function that checks and commits.

The views only parse and present; these tests hold the behaviour the views had, through the
HTTP client on the real database: what is refused stays as it was, what is accepted is saved.
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, MailingList, SavedSegment


def _letter(**fields) -> Campaign:
    campaign = Campaign(slug=fields.pop("slug", "lettre-de-mai"), name="Lettre de mai", subject="Mai",
                        template=CampaignTemplate.NEWSLETTER, **fields)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_a_saved_segment_applies_to_drafts_only_and_deletes(admin_client):
    partners = MailingList(slug="partenaires", name="Partenaires")
    db.session.add(partners)
    db.session.commit()
    segment = SavedSegment(name="Partenaires d'Évry", list_ids=[partners.id], segment={"commune": "Évry"},
                           created_by="test")
    db.session.add(segment)
    draft, sent = _letter(), _letter(slug="lettre-d-avril", status=CampaignStatus.SENT)
    for campaign in (draft, sent):
        admin_client.post(f"/admin/campaigns/{campaign.id}/segment/apply", data={"segment_id": str(segment.id)})
    db.session.expire_all()
    assert ([m.slug for m in draft.lists], draft.segment) == (["partenaires"], {"commune": "Évry"})
    assert (sent.lists, sent.segment) == ([], {})
    page = admin_client.post(f"/admin/campaigns/{sent.id}/segment/apply", data={"segment_id": str(segment.id)},
                             follow_redirects=True)
    assert "Le public de cette campagne ne peut plus changer." in page.get_data(as_text=True)
    admin_client.post(f"/admin/segments/{segment.id}/delete")
    assert db.session.scalar(select(SavedSegment)) is None
    db.session.refresh(draft)
    assert draft.segment == {"commune": "Évry"}  # the campaign kept its audience


def test_click_tracking_changes_until_the_send_begins(admin_client):
    draft, sending = _letter(), _letter(slug="lettre-en-cours", status=CampaignStatus.SENDING)
    admin_client.post(f"/admin/campaigns/{draft.id}/tracking", data={"track_clicks": "1"})
    page = admin_client.post(f"/admin/campaigns/{sending.id}/tracking", data={"track_clicks": "1"},
                             follow_redirects=True)
    assert "Le suivi des clics ne peut plus changer" in page.get_data(as_text=True)
    db.session.expire_all()
    assert (draft.track_clicks, sending.track_clicks) == (True, False)


def test_images_go_to_draft_newsletters_and_templates_delete(admin_client):
    from app.models import MediaFile, MessageTemplate

    image = MediaFile(key="k" * 32, alt="Le CRPVE", width=1200, height=600, extension="png", created_by="t")
    template = MessageTemplate(name="Lettre type", template="newsletter", content={"blocks": []}, created_by="t")
    db.session.add_all([image, template])
    sent = _letter(status=CampaignStatus.SENT, content={"blocks": []})
    draft = _letter(slug="brouillon", content={"blocks": []})
    admin_client.post(f"/admin/campaigns/{draft.id}/media", data={"media_id": str(image.id)})
    refused = admin_client.post(f"/admin/campaigns/{sent.id}/media", data={"media_id": str(image.id)},
                                follow_redirects=True)
    assert "Les images s&#39;ajoutent aux lettres d&#39;information en brouillon." in refused.get_data(as_text=True)
    nothing = admin_client.post(f"/admin/campaigns/{draft.id}/media", data={}, follow_redirects=True)
    assert "Choisissez une image ou envoyez-en une." in nothing.get_data(as_text=True)
    db.session.expire_all()
    assert [(b["type"], b["alt"]) for b in draft.content["blocks"]] == [("image", "Le CRPVE")]
    assert sent.content == {"blocks": []}
    admin_client.post(f"/admin/templates/{template.id}/delete")
    assert db.session.scalar(select(MessageTemplate)) is None


def test_accounts_one_check_for_the_admin_and_the_cli(admin_client, cli_runner):
    from app.models import Role, User

    assert admin_client.post("/admin/users", data={"email": "Laura@CRPVE91.fr", "role": "editor",
                                                   "password": "tartine-confiture-velo"}).status_code == 302
    twice = admin_client.post("/admin/users", data={"email": "laura@crpve91.fr", "role": "admin", "password": "autre-mot-de-passe-solide"})
    assert "Un utilisateur existe déjà avec cette adresse." in twice.get_data(as_text=True)
    laura = db.session.scalar(select(User).where(User.email == "laura@crpve91.fr"))
    assert laura.role == Role.EDITOR and laura.check_password("tartine-confiture-velo")
    # The CLI resets an existing account (its sessions end with the old password) and checks the same things.
    token = laura.session_token
    reset = cli_runner.invoke(args=["users", "create", "LAURA@crpve91.fr", "--role", "admin"], input="nouvelle phrase de passe\n")
    assert reset.exit_code == 0 and "Mis à jour : laura@crpve91.fr (admin)" in reset.output
    db.session.refresh(laura)
    assert laura.role == Role.ADMIN and laura.check_password("nouvelle phrase de passe") and laura.session_token != token
    bad = cli_runner.invoke(args=["users", "create", "pas-une-adresse"], input="long-enough\n")
    assert bad.exit_code == 1 and "Error: Adresse invalide" in bad.output
    short = cli_runner.invoke(args=["users", "create", "x@crpve91.fr"], input="court\n")
    assert short.exit_code == 1 and "au moins 12 caractères" in short.output


def test_a_tokens_last_day_means_the_same_through_the_admin_and_the_cli(admin_client, cli_runner):
    from datetime import UTC, datetime, timedelta

    from app.models import ApiToken, utcnow

    last_day = (utcnow() + timedelta(days=30)).date()
    admin_client.post("/admin/api-tokens", data={"name": "site", "scopes": ["lists:write"],
                                                 "expires": last_day.isoformat()})
    made = cli_runner.invoke(args=["tokens", "create", "crm", "--scopes", "lists:write", "--expires",
                                   last_day.isoformat()])
    assert made.exit_code == 0, made.output
    ends = {row.name: row.expires_at for row in db.session.scalars(select(ApiToken))}
    assert ends == {"site": datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, tzinfo=UTC),
                    "crm": datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, tzinfo=UTC)}
    past = cli_runner.invoke(args=["tokens", "create", "old", "--scopes", "all", "--expires", "2020-01-01"])
    assert past.exit_code == 1 and "déjà passée" in past.output
