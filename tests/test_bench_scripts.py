"""Each benchmark command of docs/benchmarks.md still runs: the command as the doc shows it, with small sizes
added after it (the last value of an option wins), so a script broken by a change fails here rather than on
the day someone measures. No figure is checked: they come from full runs on a quiet machine. PostgreSQL on
127.0.0.1:5432, as the scripts expect."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.doc_commands import ROOT, commands_in

# What each script gets added to the doc's command: a few hundred rows, a few repetitions.
SMALL = {
    "bench/render.py": ["--recipients", "200", "--compiles", "2"],
    "bench/send.py": ["--n", "200", "--ceiling-messages", "500", "--modes", "unsigned,cold"],  # signing: test_dkim.py
    "bench/import.py": ["--rows", "500"],
    "bench/search.py": ["--rows", "2000", "--runs", "3"],
    "bench/admin_pages.py": ["--subscribers", "500", "--campaigns", "3", "--repeat", "1"],
    "bench/unsubscribe.py": ["-n", "20", "--audience", "200"],
    "bench/campaign_figures.py": ["--people", "500", "--campaigns", "2"],
    "bench/sequences.py": ["--people", "500", "--due", "100", "--send", "50"],
    "bench/bounces.py": [],  # 356 reports in a few seconds: no smaller size needed
}
SHOWN = [c for c in commands_in(ROOT / "docs" / "benchmarks.md") if c.text.startswith(".venv/bin/python bench/")]


def test_every_script_of_bench_is_shown_and_has_a_small_size():
    scripts = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "bench").glob("[!_]*.py"))
    assert sorted(c.words[1] for c in SHOWN) == scripts == sorted(SMALL)


@pytest.mark.slow
@pytest.mark.parametrize("command", SHOWN, ids=lambda c: c.words[1])
# doc-commands: docs/benchmarks.md .venv/bin/python bench/
def test_the_benchmark_command_runs(command):
    words = command.words
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SMTP_URL")}
    done = subprocess.run([str(ROOT / words[0]), *words[1:], *SMALL[words[1]]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{command.text}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.stdout.strip(), "printed no figure"
