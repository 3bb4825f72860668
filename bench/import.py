"""Import benchmark: a Windows-1252 `;` CSV of French names into SQLite and PostgreSQL.

    .venv/bin/python bench/import.py                 # 100,000 rows, both databases
    .venv/bin/python bench/import.py --rows 1000000  # the "memory stays flat" check
    .venv/bin/python bench/import.py --db sqlite

Each import runs in its own process (fresh database, migrated with the real
migrations) so its peak RSS (ru_maxrss) is the import's, not this script's.
PostgreSQL: a database is created on 127.0.0.1 and dropped afterwards.
Prints rows/s, wall time and peak RSS; targets: < 10 s per 100,000 rows,
peak RSS < 200 MB and the same at 1,000,000 rows.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = ["Hélène", "François", "Zoé", "Noël", "Anaïs", "Jérôme", "Maëlle", "Loïc", "Cécile", "Gaëtan",
         "Béatrice", "Aïcha", "Frédéric", "Léa", "Thérèse", "Amélie", "Éric", "Inès", "Benoît", "Chloé"]
LAST = ["Duchêne", "Lefèvre", "Martin", "Benoît", "Gaillard", "Lemaître", "Bérénger", "Fernández", "Côté",
        "N'Diaye", "Müller", "Dupré", "Lécuyer", "Roché", "Mbappé", "Besançon", "Çelik", "Pérez", "Hébert", "Lœuf"]
ORGS = ["Mairie d'Évry-Courcouronnes", "Grand Paris Sud", "Préfecture de l'Essonne", "Centre social « Les Épinettes »",
        "Cœur d'Essonne Agglomération", "CAF de l'Essonne", "Bailleur Essonne Habitat", "Association Génération II"]
FUNCS = ["Chargée de mission", "Chef de projet politique de la ville", "Délégué du préfet", "Médiatrice",
         "Directeur de centre social", "Coordinatrice contrat de ville"]
TOWNS = ["Évry-Courcouronnes", "Grigny", "Corbeil-Essonnes", "Sainte-Geneviève-des-Bois", "Massy", "Les Ulis",
         "Ris-Orangis", "Athis-Mons", "Viry-Châtillon", "Épinay-sous-Sénart"]


def ascii_fold(name: str) -> str:
    """Addresses as people really have them: 'Hélène Lœuf' -> 'helene', 'loeuf'."""
    name = name.replace("œ", "oe").replace("Œ", "Oe")
    return "".join(c for c in unicodedata.normalize("NFKD", name) if c.isascii() and (c.isalnum() or c == "-")).lower()


def generate(path: Path, rows: int) -> int:
    """A CSV as French Excel saves it: cp1252, `;`, CRLF, accented names, some quoted cells.

    Addresses are ASCII like real ones (an accented local part takes the slow, full
    email-validator path: ~100 µs instead of ~4 µs)."""
    rnd = random.Random(42)
    with open(path, "w", encoding="cp1252", newline="") as fh:
        fh.write("Courriel;Prénom;Nom;Organisme;Fonction;Commune;Téléphone\r\n")
        for i in range(rows):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            email = f"{ascii_fold(first)}.{ascii_fold(last)}.{i}@{rnd.choice(['orange.fr', 'gmail.com', 'essonne.fr', 'grandparissud.fr', f'ville{i % 200}.fr'])}"
            org = rnd.choice(ORGS)
            if ";" in org or "«" in org:
                org = f'"{org}"'
            fh.write(f"{email};{first};{last};{org};{rnd.choice(FUNCS)};{rnd.choice(TOWNS)};01 60 {i % 100:02d} 00 00\r\n")
    return path.stat().st_size


def child(database_url: str, csv_path: str) -> None:
    """Run one import in this process and print its figures as JSON."""
    from flask_migrate import upgrade

    from app import create_app

    env = {"LETTRINE_ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEYS": "bench-" + "x" * 32,
           "BASE_URL": "https://lettrine.test", "MAIL_FROM": "CRPVE <formations@crpve91.fr>"}
    app = create_app({"TESTING": True}, environ=env)
    with app.app_context():
        upgrade()
        from app.extensions import db
        from app.models import MailingList
        from app.services.audience.importer import import_csv

        ml = MailingList(slug="bench", name="Bench")
        db.session.add(ml)
        db.session.commit()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        cpu0 = time.process_time()
        with open(csv_path, "rb") as fh:
            report = import_csv(fh, ml, file_name=os.path.basename(csv_path), actor="bench")
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu0
    print(json.dumps({
        "seconds": seconds, "cpu": cpu, "counts": report.counts(),
        "rss_before_kb": rss_before, "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


def _pg_admin(url: str):
    from sqlalchemy import create_engine

    return create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")


def run_one(label: str, database_url: str, csv_path: Path, rows: int) -> None:
    out = subprocess.run([sys.executable, __file__, "--child", database_url, str(csv_path)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        print(out.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{label}: import failed")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    c = result["counts"]
    print(f"{label:<11} {rows:>9,} rows  {result['seconds']:7.2f} s  {rows / result['seconds']:>9,.0f} rows/s  "
          f"CPU {result['cpu']:6.2f} s  peak RSS {result['rss_peak_kb'] / 1024:6.1f} MB "
          f"(app loaded: {result['rss_before_kb'] / 1024:.1f} MB)  created {c['created']:,}, invalid {c['invalid']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres"))
    parser.add_argument("--child", nargs=2, metavar=("URL", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="lettrine-bench-") as tmp:
        os.environ["LETTRINE_INSTANCE_DIR"] = tmp
        csv_path = Path(tmp) / f"abonnes-{args.rows}.csv"
        t = time.perf_counter()
        size = generate(csv_path, args.rows)
        print(f"generated {csv_path.name}: {size / 1e6:.1f} MB, Windows-1252, ';' in {time.perf_counter() - t:.1f} s")
        if args.db in ("sqlite", "both"):
            run_one("SQLite", f"sqlite:///{tmp}/bench.db", csv_path, args.rows)
        if args.db in ("postgresql", "both"):
            name = f"lettrine_bench_{uuid.uuid4().hex[:8]}"
            admin = _pg_admin(args.pg)
            from sqlalchemy import text

            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                run_one("PostgreSQL", args.pg.rsplit("/", 1)[0] + "/" + name, csv_path, args.rows)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
