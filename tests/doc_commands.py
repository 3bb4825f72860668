"""The shell commands the docs show, read back from the Markdown, and a way to run a ``flask`` one in process.

A command is a line of a ```sh (or ```shell, ```bash) block — comment lines skipped, ``\\`` continuations and
quoted strings spanning lines joined — or a ``$ `` line of a ```console block (the rest of a console block
is the output it shows). ``canonical`` is the form compared with the markers of the tests
(``# doc-command: …``), ``tools/prod_check.py``'s ``DOC_COMMANDS`` and ``.ci/run``: the words as the shell
would split them, with the trailing comment dropped, quoted again.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from click.testing import Result

ROOT = Path(__file__).resolve().parents[1]
COMMAND_LANGS = {"sh", "shell", "bash", "console"}
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
FLASK = ("flask", ".venv/bin/flask")


def doc_files() -> list[Path]:
    """README.md and every Markdown file of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class DocCommand:
    path: str  # relative to the checkout
    line: int  # of the command's first line
    lang: str
    heading: str  # the nearest heading above the block
    text: str  # as written, continuations joined

    @property
    def words(self) -> list[str]:
        return shlex.split(self.text, comments=True)

    @property
    def canonical(self) -> str:
        return canonical(self.text)

    def where(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def canonical(text: str) -> str:
    return shlex.join(shlex.split(text, comments=True))


def _complete(text: str) -> bool:
    """False while a quote is open or the line ends with a continuation backslash."""
    if text.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def fenced_blocks(path: Path) -> list[tuple[str, int, str, list[str]]]:
    """(language, line of the block's first body line, heading above it, body lines without the fence's indent)."""
    source = path.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(source):
        start_line = source.count("\n", 0, match.start("body")) + 1
        headings = HEADING.findall(source, 0, match.start())
        indent = len(match.group("indent"))
        lines = [line[indent:] if line[:indent].strip() == "" else line
                 for line in match.group("body").split("\n")[:-1]]
        blocks.append((match.group("lang"), start_line, headings[-1] if headings else "", lines))
    return blocks


def commands_in(path: Path) -> list[DocCommand]:
    relative = path.relative_to(ROOT).as_posix()
    found: list[DocCommand] = []
    for lang, first_line, heading, lines in fenced_blocks(path):
        if lang not in COMMAND_LANGS:
            continue
        pending: list[str] = []
        start = 0
        for offset, line in enumerate(lines):
            if not pending:
                if lang == "console":
                    if not line.startswith("$ "):
                        continue  # output
                    line = line[2:]
                elif not line.strip() or line.lstrip().startswith("#"):
                    continue
                start = first_line + offset
            pending.append(line)
            text = "\n".join(pending)
            if _complete(text):
                found.append(DocCommand(relative, start, lang, heading, text.replace("\\\n", " ")))
                pending = []
        assert not pending, f"{relative}:{start}: a command block ends inside a command"
    return found


def all_commands() -> list[DocCommand]:
    return [command for path in doc_files() for command in commands_in(path)]


def split_environment(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """``A=1 B=2 cmd …`` → ({"A": "1", "B": "2"}, ["cmd", …])."""
    env: dict[str, str] = {}
    while words and ENV_ASSIGNMENT.match(words[0]):
        name, value = words[0].split("=", 1)
        env[name] = value
        words = words[1:]
    return env, words


def flask_arguments(command: DocCommand | str) -> list[str]:
    """The arguments after ``flask --app wsgi`` (or ``.venv/bin/flask --app wsgi``)."""
    words = command.words if isinstance(command, DocCommand) else shlex.split(command, comments=True)
    env, words = split_environment(words)
    assert not env, f"set in the test's app, not on the line: {env}"
    assert words[0] in FLASK and words[1:3] == ["--app", "wsgi"], words
    return words[3:]


def run_flask(app, command: DocCommand | str, stdin: str | None = None) -> Result:
    """Runs a documented ``flask --app wsgi …`` command in process against ``app`` and checks it succeeded."""
    with app.app_context():  # this app's, even inside another app's context (Flask would reuse that one)
        result = app.test_cli_runner().invoke(args=flask_arguments(command), input=stdin)
    shown = command.where() if isinstance(command, DocCommand) else command
    assert result.exit_code == 0, f"{shown}\n→ exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    return result
