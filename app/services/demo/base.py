"""The CRPVE demo's people: the list ``formations``, a few confirmed subscribers and the demo admin."""
from __future__ import annotations

import os
import secrets

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import MailingList, Role, Subscriber, Subscription, SubscriptionStatus, User, utcnow

DEMO_ADMIN = "admin@crpve91.fr"
DEMO_SUBSCRIBERS = [
    ("laura.kossi@example.org", "Laura", "Kossi", "CRPVE", "Chargée de mission", "Évry-Courcouronnes"),
    ("anne.sauvayre@example.org", "Anne", "Sauvayre", "FORS-Recherche sociale", "Responsable d'études", "Paris"),
    ("chef.projet@example.org", "Hélène", "Duchêne", "Grand Paris Sud", "Cheffe de projet", "Grigny"),
    ("coordinateur@example.org", "François", "Lefèvre", "Cœur d'Essonne Agglomération", "Coordinateur contrat de ville", "Sainte-Geneviève-des-Bois"),
    ("delegue@example.org", "Zoé", "Martin", "Préfecture de l'Essonne", "Déléguée du préfet", "Corbeil-Essonnes"),
]


def demo_password() -> str:
    """The demo admin's password: DEMO_ADMIN_PASSWORD, or one kept under instance/."""
    if current_app.config["DEMO_ADMIN_PASSWORD"]:
        return current_app.config["DEMO_ADMIN_PASSWORD"]
    path = os.path.join(current_app.instance_path, "demo-admin-password")
    if os.path.exists(path):
        return open(path).read().strip()
    password = secrets.token_urlsafe(9)
    with open(path, "w") as fh:
        fh.write(password)
    os.chmod(path, 0o600)
    return password


def load_base() -> tuple[str, str]:
    """The list ``formations``, a few confirmed demo subscribers and the demo admin."""
    formations = db.session.scalar(select(MailingList).where(MailingList.slug == "formations"))
    if formations is None:
        formations = MailingList(slug="formations", name="Formations CRPVE",
                                 description="Cycles de qualification et journées d'étude du CRPVE.")
        db.session.add(formations)
        db.session.flush()
    for email, first, last, org, function, commune in DEMO_SUBSCRIBERS:
        sub = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
        if sub is None:
            sub = Subscriber(email=email, first_name=first, last_name=last, organisation=org,
                             function=function, commune=commune)
            db.session.add(sub)
            db.session.flush()
        exists = db.session.scalar(
            select(Subscription).where(Subscription.subscriber_id == sub.id, Subscription.list_id == formations.id)
        )
        if exists is None:
            now = utcnow()
            db.session.add(Subscription(
                subscriber_id=sub.id, list_id=formations.id, status=SubscriptionStatus.CONFIRMED,
                consent_at=now, confirmed_at=now, consent_source="demo", consent_text="Données de démonstration",
            ))
    password = demo_password()
    admin = db.session.scalar(select(User).where(User.email == DEMO_ADMIN))
    if admin is None:
        admin = User(email=DEMO_ADMIN, name="Administratrice CRPVE", role=Role.ADMIN)
        admin.set_password(password)
        db.session.add(admin)
    db.session.commit()
    return DEMO_ADMIN, password
