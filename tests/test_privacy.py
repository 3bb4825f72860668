"""RGPD: export (admin and the person's signed link), erasure, retention flagging."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app import links
from app.extensions import db
from app.models import (
    AuditLog,
    Cycle,
    Journee,
    Registration,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    utcnow,
)
from app.services.audience.core import audit
from app.services.audience.subscriptions import RETENTION_FLAG
from tests.conftest import login
from tests.subscribe_helpers import find_link, make_audience, outbox


def _registration(sub):
    cycle = Cycle(slug="cycle-2016", title="Contrat de ville")
    db.session.add(cycle)
    db.session.flush()
    db.session.add(Journee(cycle_id=cycle.id, number=1, starts_at=utcnow(), ends_at=utcnow() + timedelta(hours=6)))
    reg = Registration(cycle_id=cycle.id, subscriber_id=sub.id, ip="192.0.2.55")
    db.session.add(reg)
    db.session.commit()
    return reg


def test_admin_export_is_json_with_consent_and_history(admin_client):
    sub, _lists, _campaign = make_audience()
    _registration(sub)
    response = admin_client.get(f"/admin/subscribers/{sub.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["subscriber"]["email"] == "laura.kossi@example.org"
    assert {s["list"] for s in data["subscriptions"]} == {"Formations CRPVE", "Lettre d'information"}
    assert all(s["consent_at"] for s in data["subscriptions"])
    assert data["registrations"][0]["cycle"] == "Contrat de ville"
    assert any(h["action"] == "subscribe" for h in data["history"])


def test_admin_routes_need_login_and_export_and_erase_need_admin(client, editor_user, admin_user):
    sub, _lists, _campaign = make_audience()
    assert client.get(f"/admin/subscribers/{sub.id}/export.json").status_code == 302
    login(client, editor_user.email)
    assert client.post(f"/admin/subscribers/{sub.id}/erase").status_code == 403
    assert client.get(f"/admin/subscribers/{sub.id}/export.json").status_code == 403
    client.post("/admin/logout")
    login(client, admin_user.email)
    assert client.get("/admin/subscribers/999999/export.json").status_code == 404


def test_erase_removes_personal_data_and_keeps_suppression_and_audit(admin_client):
    sub, _lists, campaign = make_audience()
    reg = _registration(sub)
    audit("import", sub, actor="admin@example.org", source="import laura.kossi@example.org.csv",
          ip="192.0.2.1", detail={"row": {"email": "laura.kossi@example.org", "n": 3}})
    links_before = links.unsubscribe_url(sub.uid, campaign.id)
    key = sub.email_hash
    db.session.commit()
    audit_count = db.session.query(AuditLog).count()
    refused = admin_client.post(f"/admin/subscribers/{sub.id}/erase")  # no confirmation ticked
    assert refused.status_code == 303 and db.session.get(Subscriber, sub.id).email is not None
    response = admin_client.post(f"/admin/subscribers/{sub.id}/erase", data={"confirm": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    erased = db.session.get(Subscriber, sub.id)
    assert erased.email is None and erased.email_hash is None
    assert (erased.first_name, erased.last_name, erased.attributes) == ("", "", {})
    assert erased.status == SubscriberStatus.ERASED
    assert db.session.get(Registration, reg.id).ip is None
    assert db.session.get(Suppression, key).reason == SuppressionReason.ERASED
    rows = db.session.scalars(select(AuditLog).where(AuditLog.subscriber_id == sub.id)).all()
    assert len(rows) == audit_count + 1 and rows[-1].action == "erase"
    dumped = json.dumps([[r.source, r.detail, r.ip] for r in rows])
    assert "laura.kossi" not in dumped and "192.0.2.1" not in dumped
    # the old unsubscribe link still answers, without personal data, and changes nothing harmful
    page = admin_client.get(links_before.split("lettrine.test", 1)[1])
    assert page.status_code == 200 and "effacées" in page.get_data(as_text=True)


def test_person_requests_and_downloads_their_data(app, client):
    sub, _lists, _campaign = make_audience()
    prefs = links.preferences_url(sub.uid).split("lettrine.test", 1)[1]
    response = client.post(prefs + "/mes-donnees")
    assert response.status_code == 200
    message = outbox()[-1]
    assert message["To"] == sub.email
    url = find_link(message, "/privacy/")
    download = client.get(url.split("lettrine.test", 1)[1])
    assert download.status_code == 200 and json.loads(download.data)["subscriber"]["email"] == sub.email
    assert client.get(url.split("lettrine.test", 1)[1][:-3]).status_code == 400
    # Each step is on the person's history: asked, then downloaded (by herself).
    steps = [(r.action, r.actor) for r in db.session.scalars(
        select(AuditLog).where(AuditLog.subscriber_id == sub.id, AuditLog.action.like("export%")).order_by(AuditLog.id))]
    assert steps == [("export_requested", "public"), ("export_downloaded", "public")]


def test_retention_flags_only_long_inactive_contacts(app, cli_runner):
    old, _l, _c = make_audience("old@example.org")
    recent, _l2, _c2 = make_audience("recent@example.org")
    long_ago = utcnow() - timedelta(days=4 * 365)
    old.created_at = long_ago
    old.last_activity_at = long_ago
    for sub in old.subscriptions:
        sub.consent_at = sub.confirmed_at = long_ago
    db.session.commit()
    result = cli_runner.invoke(args=["privacy", "retention", "--years", "3"])
    assert result.exit_code == 0 and "1 contact(s) signalés" in result.output
    db.session.expire_all()
    assert RETENTION_FLAG in db.session.get(Subscriber, old.id).attributes
    assert RETENTION_FLAG not in (db.session.get(Subscriber, recent.id).attributes or {})
    again = cli_runner.invoke(args=["privacy", "retention"])
    assert "0 contact(s)" in again.output  # already flagged: not counted twice
    # a sign of life clears the flag
    client = app.test_client()
    prefs = links.preferences_url(old.uid).split("lettrine.test", 1)[1]
    client.post(prefs, data={"lists": [str(s.list_id) for s in old.subscriptions]})
    db.session.expire_all()
    assert RETENTION_FLAG not in db.session.get(Subscriber, old.id).attributes
