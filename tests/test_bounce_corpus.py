"""The classifier on the two HAND-MADE corpora of issue 23.

``corpus/`` (tests/bounce_corpus.py) was written next to the rules; ``blind/``
(tests/bounce_blind.py) was written afterwards from the formats' descriptions without
reading the rules, as a stand-in for the held-back corpus of real mail. The goals are
asserted on each, and every report is checked against its line of VERDICTS.tsv, so a
change that fixes one format cannot silently break another.
"""
from __future__ import annotations

import csv
import time

import pytest

from app.message.bounce_figures import GOALS, figures, verdict_of
from app.message.bounce_reasons import REASONS
from app.message.dsn import read_report
from tests import bounce_blind, bounce_corpus

CORPUS = bounce_corpus.CORPUS
BLIND = bounce_blind.BLIND


def _rows(folder):
    lines = (folder / "VERDICTS.tsv").read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader([line for line in lines if not line.startswith("#")], delimiter="\t"))


ROWS = _rows(CORPUS)
BLIND_ROWS = _rows(BLIND)


@pytest.mark.parametrize("generator", [bounce_corpus, bounce_blind], ids=["corpus", "blind"])
def test_the_files_are_what_the_generator_writes(generator):
    folder = CORPUS if generator is bounce_corpus else BLIND
    made = generator.samples()
    assert (folder / "VERDICTS.tsv").read_text(encoding="utf-8") == generator.verdicts_tsv(made)
    on_disk = sorted(p.name for p in folder.iterdir() if p.suffix in (".eml", ".json"))
    assert on_disk == sorted(x.name for x in made)
    changed = [x.name for x in made if (folder / x.name).read_bytes() != x.data]
    assert changed == [], f"run: python -m {generator.__name__}"


def test_the_corpus_is_large_varied_and_hand_made():
    assert len(ROWS) >= 300
    verdicts = [r["verdict"] for r in ROWS]
    assert min(verdicts.count(v) for v in ("hard", "soft", "complaint", "ignore")) >= 10
    assert {r["reason"] for r in ROWS} <= set(REASONS)
    for row in ROWS:
        head = (CORPUS / row["file"]).read_bytes()[:200]
        assert b"X-Lettrine-Fixture: hand-made" in head or b'"_fixture": "hand-made"' in head, row["file"]
    layouts = {r["file"].split("-", 1)[1].rsplit("-", 1)[0] for r in ROWS}
    for needed in ("postfix", "exim", "sendmail", "qmail", "courier", "exchange", "office365", "gmail", "yahoo",
                   "outlook-com", "ses-mail", "james", "interscan", "kddi", "verizon", "fml", "notes"):
        assert needed in layouts, needed
    names = " ".join(r["file"] for r in ROWS)
    for needed in ("ses-permanent", "sns-bounce", "sns-email", "arf-rfc5965", "hotmail-jmrp-no-feedback-type",
                   "ses-complaint", "autoreply-"):
        assert needed in names, needed


def _read(folder, rows):
    """(file, expected, given) for the figures, (file, expected reason, given) where a reason is expected,
    and the slowest read in seconds."""
    results, reasons, slowest = [], [], 0.0
    for row in rows:
        raw = (folder / row["file"]).read_bytes()
        start = time.perf_counter()
        report = read_report(raw)
        slowest = max(slowest, time.perf_counter() - start)
        results.append((row["file"], row["verdict"], verdict_of(report.kind, report.final)))
        if row["reason"]:
            reasons.append((row["file"], row["reason"], report.reason))
    return results, reasons, slowest


def test_the_goals_of_issue_23_hold_on_the_corpus():
    results, _reasons, slowest = _read(CORPUS, ROWS)
    score = figures(results)
    assert score.hard >= 90 and score.complaints >= 20 and score.not_hard >= 200
    assert score.hard_recall >= GOALS["hard_recall"], score.lines()
    assert score.wrongly_hard_rate <= GOALS["wrongly_hard"], score.lines()
    assert score.bounces_recognised >= GOALS["bounces_recognised"], score.lines()
    assert score.complaints_recognised >= GOALS["complaints_recognised"], score.lines()
    assert slowest < 0.5


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_each_report_gets_its_verdict_and_reason(row):
    report = read_report((CORPUS / row["file"]).read_bytes())
    assert (verdict_of(report.kind, report.final), report.reason) == (row["verdict"], row["reason"]), report.detail
    if row["verdict"] in ("hard", "soft", "complaint") and "redacted" not in row["about"]:
        assert report.recipient and "@" in report.recipient and not report.recipient.startswith("bounces+")


def test_figures_count_as_the_issue_does():
    score = figures([("a", "hard", "hard"), ("b", "hard", "soft"), ("c", "soft", "hard"), ("d", "soft", "soft"),
                     ("e", "complaint", "complaint"), ("f", "ignore", "ignore"), ("g", "soft", "ignore")])
    assert (score.hard, score.hard_hit, score.not_hard, score.wrongly_hard) == (2, 1, 5, 1)
    assert (score.bounces, score.bounces_hit, score.complaints, score.complaints_hit) == (5, 4, 1, 1)
    assert score.misses == [("b", "hard", "soft"), ("c", "soft", "hard"), ("g", "soft", "ignore")]
    assert not score.meets_goals()
    empty = figures([])
    assert empty.wrongly_hard_rate == 0.0 and empty.meets_goals()


# -- the blind batch ------------------------------------------------------------------------------

def test_the_blind_batch_is_large_varied_and_hand_made():
    assert len(BLIND_ROWS) >= 200
    verdicts = [r["verdict"] for r in BLIND_ROWS]
    assert min(verdicts.count(v) for v in ("hard", "soft", "complaint", "ignore")) >= 15
    assert {r["reason"] for r in BLIND_ROWS} <= set(REASONS) | {""}
    for row in BLIND_ROWS:
        head = (BLIND / row["file"]).read_bytes()[:200]
        assert b"X-Lettrine-Fixture: hand-made" in head or b'"_fixture": "hand-made' in head, row["file"]
    layouts = {r["file"].split("-", 1)[1] for r in BLIND_ROWS}
    for needed in ("postfix", "exim", "sendmail", "qmail", "courier", "exchange2010", "office365", "gmail", "yahoo",
                   "ses-json", "ses-mail", "james", "fml", "interscan", "kddi", "ezweb", "verizon", "qq", "netease",
                   "japanese-ndr", "telefonica", "french-isp", "german-isp", "arf", "jmrp-forward", "reply"):
        assert any(name.startswith(needed) for name in layouts), needed


def test_the_goals_of_issue_23_hold_on_the_blind_batch():
    results, reasons, slowest = _read(BLIND, BLIND_ROWS)
    score = figures(results)
    assert score.hard >= 100 and score.complaints >= 20 and score.not_hard >= 200
    assert score.meets_goals(), score.lines()
    agreeing = sum(expected == given for _f, expected, given in reasons)
    assert agreeing / len(reasons) >= 0.95, [r for r in reasons if r[1] != r[2]]
    assert slowest < 0.5


@pytest.mark.parametrize("row", BLIND_ROWS, ids=[r["file"] for r in BLIND_ROWS])
def test_each_blind_report_gets_its_verdict(row):
    """Verdicts per report; reasons are held to a rate above (careful readers differ on some)."""
    report = read_report((BLIND / row["file"]).read_bytes())
    assert verdict_of(report.kind, report.final) == row["verdict"], (report.reason, report.detail)
    if row["verdict"] in ("hard", "soft") or (row["verdict"] == "complaint" and "redacted" not in row["about"]):
        assert report.recipient and "@" in report.recipient and not report.recipient.startswith("bounces+"), \
            report.detail


def test_a_delay_warning_counts_as_not_a_bounce():
    assert verdict_of("soft", final=False) == "ignore"
    assert verdict_of("soft") == "soft" and verdict_of("complaint", final=False) == "complaint"
