"""CSV export for French Excel: BOM, `;`, formula injection neutralised, re-importable."""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from app.extensions import db
from app.models import MailingList, Subscriber, SubscriberStatus, Subscription, SubscriptionStatus
from app.services.audience.core import Consent, set_subscription
from app.services.audience.exporter import export_csv
from app.services.audience.importer import import_csv


def _setup():
    ml = MailingList(slug="formations", name="Formations CRPVE")
    people = [
        Subscriber(email="helene@exemple.fr", first_name="Hélène", last_name="Duchêne", commune="Évry"),
        Subscriber(email="piege@exemple.fr", first_name="=HYPERLINK(\"http://x\")", last_name="+33 1 00",
                   organisation="-2+3", function="@SUM(A1)", commune="\tTab"),
        Subscriber(email="attente@exemple.fr", last_name="Attente"),
        Subscriber(email="parti@exemple.fr", status=SubscriberStatus.UNSUBSCRIBED),
    ]
    db.session.add_all([ml, *people])
    db.session.commit()
    for p in people[:2]:
        set_subscription(p, ml, SubscriptionStatus.CONFIRMED, Consent(source="form; web"))
    set_subscription(people[2], ml, SubscriptionStatus.PENDING, Consent(source="form"))
    db.session.commit()
    return ml


def _read(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_list_export_has_bom_semicolons_and_confirmed_members_only(app):
    ml = _setup()
    data = b"".join(export_csv(ml))
    rows = _read(data)
    assert rows[0] == ["Courriel", "Prénom", "Nom", "Organisme", "Fonction", "Commune", "Inscrit le",
                       "Source du consentement"]
    assert [r[0] for r in rows[1:]] == ["helene@exemple.fr", "piege@exemple.fr"]
    assert rows[1][1:3] == ["Hélène", "Duchêne"] and rows[1][7] == "form; web"
    assert b";" in data.splitlines()[0] and data.count(b"\r\n") == 3


def test_formula_cells_are_neutralised(app):
    ml = _setup()
    piege = _read(b"".join(export_csv(ml)))[2]
    assert piege[1:6] == ["'=HYPERLINK(\"http://x\")", "'+33 1 00", "'-2+3", "'@SUM(A1)", "'\tTab"]


FULL_WIDTH = ["＝HYPERLINK(\"http://x\")", "＋33 1 00", "－2＋3", "＠SUM(A1)", "﹦1+1", " =1+1", "\u3000＝1", "−1",
              "\rCR", "\nLF"]


def test_full_width_and_spaced_formula_cells_are_neutralised_too(app):
    """Issue #22: exports neutralised = + - @ but not their full-width forms, which spreadsheets
    read the same. Re-imported, a cell comes back as it was."""
    ml = MailingList(slug="formations", name="Formations CRPVE")
    people = [Subscriber(email=f"p{i}@exemple.fr", first_name=value) for i, value in enumerate(FULL_WIDTH)]
    people.append(Subscriber(email="anne@exemple.fr", first_name="Anne", organisation="Ville d'Évry"))
    db.session.add_all([ml, *people])
    db.session.commit()
    for person in people:
        set_subscription(person, ml, SubscriptionStatus.CONFIRMED, Consent(source="form"))
    db.session.commit()
    rows = {r[0]: r for r in _read(b"".join(export_csv(ml)))[1:]}
    for i, value in enumerate(FULL_WIDTH):
        assert rows[f"p{i}@exemple.fr"][1] == "'" + value, value
    assert rows["anne@exemple.fr"][1:4] == ["Anne", "", "Ville d'Évry"]
    from app.services.support import excel_csv

    assert _read(excel_csv(["a"], [["＝1"], ["＠x"]]))[1:] == [["'＝1"], ["'＠x"]]


def test_everyone_export_has_status(app):
    _setup()
    rows = _read(b"".join(export_csv(None)))
    assert rows[0][6] == "Statut"
    assert {r[0]: r[6] for r in rows[1:]} == {
        "helene@exemple.fr": "actif", "piege@exemple.fr": "actif", "attente@exemple.fr": "actif",
        "parti@exemple.fr": "désinscrit"}


def test_export_reimports_unchanged(app):
    ml = _setup()
    data = b"".join(export_csv(ml))
    copy = MailingList(slug="copie", name="Copie")
    db.session.add(copy)
    db.session.commit()
    report = import_csv(io.BytesIO(data), copy, file_name="export.csv", actor="tester")
    assert (report.read, report.updated, report.invalid, report.encoding, report.delimiter) == (2, 2, 0, "utf-8", ";")
    piege = db.session.scalar(select(Subscriber).where(Subscriber.email == "piege@exemple.fr"))
    assert (piege.first_name, piege.last_name, piege.organisation, piege.function) == (
        "=HYPERLINK(\"http://x\")", "+33 1 00", "-2+3", "@SUM(A1)")
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 4


def test_export_streams_many_rows_in_pages(app):
    ml = MailingList(slug="grande", name="Grande")
    db.session.add(ml)
    db.session.commit()
    rows = "".join(f"p{i}@exemple.fr;Nom{i}\n" for i in range(4500))
    import_csv(io.BytesIO(("email;nom\n" + rows).encode()), ml, file_name="g.csv", actor="t")
    chunks = list(export_csv(ml))
    assert len(chunks) > 5
    lines = _read(b"".join(chunks))
    assert len(lines) == 4501 and len({r[0] for r in lines[1:]}) == 4500


def test_cli_export_and_import(cli_runner, tmp_path):
    ml = _setup()
    out = tmp_path / "export.csv"
    result = cli_runner.invoke(args=["subscribers", "export", "--list", "formations", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    everyone = cli_runner.invoke(args=["subscribers", "export"])
    assert everyone.exit_code == 0 and "parti@exemple.fr;;;;;;désinscrit" in everyone.output
    bad = cli_runner.invoke(args=["subscribers", "export", "--list", "nope"])
    assert bad.exit_code == 1 and "Liste inconnue : nope" in bad.output
