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
