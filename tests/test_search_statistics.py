"""After an import, the search plans on statistics, on SQLite too (SQLite never has any by itself).

Without them SQLite takes ``status = 'active'`` for ~10 rows and reads every active person through
the status index to answer "evry" + list + status: 1.1 s at a million rows (bench/search.py).
"""
from __future__ import annotations

import io

from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from app.extensions import db
from app.models import MailingList
from app.services.audience.importer import ANALYZE_AFTER_ROWS, import_csv
from app.services.audience.search import search_subscribers


def _import(rows: int) -> MailingList:
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    communes = ["Évry", "Corbeil", "Massy", "Grigny", "Ris-Orangis"]
    body = "email;prénom;nom;commune\r\n" + "".join(
        f"p{i}@exemple.fr;Hélène;Dupont{i};{communes[i % 5]}\r\n" for i in range(rows))
    import_csv(io.BytesIO(body.encode()), ml, file_name="x.csv", actor="t")
    return ml


def test_an_import_leaves_statistics_and_the_search_uses_its_own_index(app):
    ml = _import(ANALYZE_AFTER_ROWS)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        analysed = {row[0] for row in connection.execute(text("SELECT tbl FROM sqlite_stat1"))}
        assert {"subscribers", "subscriptions", "subscriber_terms"} <= analysed
    else:
        analysed = {row[0] for row in connection.execute(text(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"))}
        assert {"subscribers", "subscriptions", "subscriber_terms"} <= analysed
    found = search_subscribers("evry", list_id=ml.id, status="active")
    assert len(found.rows) == 100 and found.truncated
    assert all(p.commune == "Évry" for p in found.rows)
    if connection.dialect.name == "sqlite":
        # The plans of the address and words queries: never a walk of the status index.
        captured = []
        original = db.session.scalars

        def spy(query, *args, **kwargs):
            captured.append(query)
            return original(query, *args, **kwargs)

        db.session.scalars = spy  # type: ignore[method-assign]
        try:
            search_subscribers("evry", list_id=ml.id, status="active")
        finally:
            db.session.scalars = original  # type: ignore[method-assign]
        for query in captured:
            sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
            plan = " | ".join(row[-1] for row in connection.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert "ix_subscribers_status" not in plan, plan
