"""Score the bounce classifier on a folder of reports: the four figures of issue 23.

Run: ``.venv/bin/python bench/bounces.py FOLDER [--verdicts FILE] [-v]``.
FOLDER holds ``.eml`` messages (and ``.json`` Amazon SES / SNS notifications); the
verdicts file (default ``FOLDER/VERDICTS.tsv``) is tab-separated with a header:
``file``, ``verdict`` (hard | soft | complaint | ignore) and optionally ``reason``;
lines starting with ``#`` are comments. A delay warning counts as "not a bounce"
(``ignore``). Prints the figures against the goals, the
reason agreement when reasons are given, and with ``-v`` every disagreement.
Exit status 1 when a goal is missed. Pure reading: no database, no network.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.message.bounce_figures import figures, verdict_of  # noqa: E402
from app.message.dsn import UnreadableMessage, read_report  # noqa: E402
from app.message.ses import MalformedEvent  # noqa: E402


def load_verdicts(path: Path) -> dict[str, tuple[str, str]]:
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    table: dict[str, tuple[str, str]] = {}
    for row in csv.DictReader(rows, delimiter="\t"):
        table[row["file"]] = (row["verdict"].strip(), (row.get("reason") or "").strip())
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--verdicts", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    table = load_verdicts(args.verdicts or args.folder / "VERDICTS.tsv")
    results, reasons_ok, reasons_total, slowest = [], 0, 0, (0.0, "")
    missing = [name for name in table if not (args.folder / name).is_file()]
    unlisted = sorted(p.name for p in args.folder.iterdir() if p.suffix in (".eml", ".json") and p.name not in table)
    for name, (expected, reason) in sorted(table.items()):
        if name in missing:
            continue
        raw = (args.folder / name).read_bytes()
        start = time.perf_counter()
        try:
            report = read_report(raw)
        except (UnreadableMessage, MalformedEvent) as exc:  # counted as "not a bounce": nothing was read
            print(f"  UNREADABLE {name}: {exc}")
            results.append((name, expected, "ignore"))
            continue
        elapsed = time.perf_counter() - start
        slowest = max(slowest, (elapsed, name))
        given = verdict_of(report.kind, report.final)
        results.append((name, expected, given))
        if reason:
            reasons_total += 1
            reasons_ok += report.reason == reason
            if args.verbose and report.reason != reason and given == expected:
                print(f"  reason  {name}: expected {reason}, got {report.reason} ({report.detail})")
    score = figures(results)
    if args.verbose:
        for name, expected, given in score.misses:
            print(f"  VERDICT {name}: expected {expected}, got {given}")
    print(f"{len(results)} reports in {args.folder}")
    if missing:
        print(f"{len(missing)} files of the verdicts table not found, e.g. {missing[0]}")
    if unlisted:
        print(f"{len(unlisted)} files without a verdict (not scored), e.g. {unlisted[0]}")
    print("\n".join(score.lines()))
    if reasons_total:
        print(f"reasons agreeing                  {reasons_ok / reasons_total:7.1%}  ({reasons_ok}/{reasons_total})")
    print(f"slowest report                    {slowest[0] * 1000:7.1f} ms  ({slowest[1]})")
    return 0 if score.meets_goals() else 1


if __name__ == "__main__":
    sys.exit(main())
