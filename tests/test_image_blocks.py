"""Images in the composer: the image block picks from the media library or takes an upload in place (alt text
required), the image lands where the author is (that block, or after the block she was at), and the
no-JavaScript move buttons still post and keep the author at the moved block."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CampaignTemplate, MailingList, MediaFile
from app.services.support import store_media


def _png(width: int, height: int, colour=(30, 110, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def _newsletter() -> Campaign:
    lst = MailingList(slug="formations", name="Formations CRPVE")
    campaign = Campaign(slug="lettre-ete", name="Lettre d'été", subject="L'été", template=CampaignTemplate.NEWSLETTER,
                        lists=[lst], content={"blocks": [{"type": "title", "text": "L'été"},
                                                         {"type": "image", "src": "", "alt": "", "decorative": False,
                                                          "href": "", "width": ""},
                                                         {"type": "text", "text": "Bonjour."}]})
    db.session.add(campaign)
    db.session.commit()
    return campaign


def _form(campaign: Campaign, **extra) -> dict:
    data: dict = {"name": campaign.name, "subject": campaign.subject, "lists": [str(campaign.lists[0].id)]}
    for i, block in enumerate(campaign.content["blocks"]):
        for key, value in block.items():
            if key == "decorative":
                if value:
                    data[f"blocks-{i}-{key}"] = "on"
            else:
                data[f"blocks-{i}-{key}"] = value
    data.update(extra)
    return data


def test_the_image_block_offers_the_library_not_an_address(admin_client, app):
    campaign = _newsletter()
    row = store_media(_png(1600, 800), "affiche.png", "Affiche jaune du cycle", actor="test")
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    block = page.split('id="block-1"', 1)[1].split('id="block-2"')[0]
    assert '<input type="hidden" name="blocks-1-src" value="">' in block and 'id="blocks-1-src"' not in block
    assert f'name="blocks-1-media" value="{row.key}"' in block and 'name="blocks-1-upload"' in block
    assert 'id="campaign-form" enctype="multipart/form-data"' in page

    response = admin_client.post(f"/admin/campaigns/{campaign.id}/edit",
                                 data=_form(campaign, **{"blocks-1-media": row.key, "action": "save"}))
    assert response.status_code == 302
    db.session.refresh(campaign)
    picked = campaign.content["blocks"][1]
    assert picked["src"] == f"https://lettrine.test/media/{row.key}-1200.png" and picked["media"] == row.key
    assert picked["alt"] == "Affiche jaune du cycle" and picked["width"] == "600"  # the library's alt as a start


def test_an_upload_from_a_block_lands_in_that_block_with_its_alt_text(admin_client, app):
    campaign = _newsletter()
    without_alt = admin_client.post(
        f"/admin/campaigns/{campaign.id}/edit", content_type="multipart/form-data", follow_redirects=True,
        data=_form(campaign, **{"blocks-1-upload": (io.BytesIO(_png(800, 400)), "photo.png"), "action": "upload:1"}))
    assert "image non envoyée" in without_alt.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 0

    response = admin_client.post(
        f"/admin/campaigns/{campaign.id}/edit", content_type="multipart/form-data",
        data=_form(campaign, **{"blocks-1-upload": (io.BytesIO(_png(800, 400)), "photo.png"),
                                "blocks-1-alt": "La salle de conférence pleine", "action": "upload:1"}))
    assert response.status_code == 302 and response.headers["Location"].endswith("#block-1")
    row = db.session.scalar(select(MediaFile))
    assert row.alt == "La salle de conférence pleine" and row.created_by == "admin@example.org"
    db.session.refresh(campaign)
    assert [b["type"] for b in campaign.content["blocks"]] == ["title", "image", "text"]  # not appended at the end
    assert campaign.content["blocks"][1]["src"].endswith(f"{row.key}-1200.png")


def test_the_image_tools_insert_after_the_block_the_author_was_at(admin_client, app):
    campaign = _newsletter()
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/media", data={
        "image": (io.BytesIO(_png(700, 300)), "bandeau.png"), "alt": "Bandeau", "at": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#block-1")
    db.session.refresh(campaign)
    assert [b.get("alt") for b in campaign.content["blocks"]][:2] == [None, "Bandeau"]
    admin_client.post(f"/admin/campaigns/{campaign.id}/media", data={
        "media_id": str(db.session.scalar(select(MediaFile.id))), "at": ""})  # no place chosen: the end
    db.session.refresh(campaign)
    assert campaign.content["blocks"][-1].get("alt") == "Bandeau" and len(campaign.content["blocks"]) == 5


def test_moving_without_javascript_still_posts_and_returns_to_the_moved_block(admin_client, app):
    campaign = _newsletter()
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/edit", data=_form(campaign, action="up:2"))
    assert response.status_code == 302 and response.headers["Location"].endswith("#block-1")
    db.session.refresh(campaign)
    assert [b["type"] for b in campaign.content["blocks"]] == ["title", "text", "image"]
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/edit", data=_form(campaign, action="down:0"))
    assert response.headers["Location"].endswith("#block-1")
    db.session.refresh(campaign)
    assert [b["type"] for b in campaign.content["blocks"]] == ["text", "title", "image"]
