"""What the README and the guides under docs/ tell a reader to type works: every `make <target>`
they name is a target of the Makefile, every `cerebro <command …>` is a command the CLI has
(asked through click's own `--help`, so nothing runs), and the README stays a page a newcomer
reads in ten minutes (at most 12 KB; the depth lives in the guides)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from tests.docs.markdown_pages import prose_lines

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: The README and the guides beside it (not the decision records or dated benchmark reports,
#: which record what was true when they were written).
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_BYTES = 12_000

#: ``make target`` where ``make`` is a word of its own (not ``cmake``, not ``make's``).
MAKE = re.compile(r"(?<![\w./-])make\s+([a-z][\w-]*)")
#: ``cerebro word word …`` where ``cerebro`` is the command (``.venv/bin/cerebro`` too, but not
#: ``tap-cerebro-demo``, ``cerebro/`` or ``cerebro_platform``), up to the first option or symbol.
CEREBRO = re.compile(r"(?<![\w.-])cerebro((?:[ \t]+[a-z][\w-]*)+)")
#: A Makefile rule's target at the start of a line (``name:``, not ``NAME := value``).
MAKE_RULE = re.compile(r"^([A-Za-z0-9][\w.-]*)\s*:(?!=)", re.MULTILINE)


def code_texts(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every fenced code line and every inline code span: where a page
    tells the reader what to type."""
    codes = []
    prose = dict(prose_lines(text))
    for number, line in enumerate(text.splitlines(), start=1):
        if number in prose:
            codes += [(number, span) for span in re.findall(r"`([^`]+)`", line)]
        elif not re.match(r"^\s*(`{3,}|~{3,})", line):  # a line inside a fence, not the fence
            codes.append((number, line))
    return codes


def make_targets_named(text: str) -> list[tuple[int, str]]:
    return [(number, target) for number, code in code_texts(text) for target in MAKE.findall(code)]


def cerebro_commands_named(text: str) -> list[tuple[int, list[str]]]:
    return [
        (number, words.split())
        for number, code in code_texts(text)
        for words in CEREBRO.findall(code)
    ]


def makefile_targets(makefile: Path) -> set[str]:
    return set(MAKE_RULE.findall(makefile.read_text(encoding="utf-8")))


def command_problem(group: click.Group, words: list[str]) -> str | None:
    """Why ``cerebro <words>`` is no command (None when it is one): a word where a group expects
    a subcommand that is not one of them, or a value a command's choice argument does not take.
    Words after a command's choice arguments are its arguments and not judged."""
    path, command = [], group
    for position, word in enumerate(words):
        if isinstance(command, click.Group):
            if word not in command.commands:
                known = ", ".join(sorted(command.commands))
                return f"'{' '.join(['cerebro', *path, word])}': no such command ({known})"
            path.append(word)
            command = command.commands[word]
            continue
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        for argument, value in zip(arguments, words[position:], strict=False):
            if isinstance(argument.type, click.Choice) and value not in argument.type.choices:
                choices = ", ".join(argument.type.choices)
                return f"'cerebro {' '.join(path)} {value}': {argument.name} is one of {choices}"
        break
    result = CliRunner().invoke(group, [*path, "--help"])
    if result.exit_code != 0:
        return f"'cerebro {' '.join(path)} --help' exits {result.exit_code}: {result.output}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_make_target_named_is_in_the_makefile(page):
    targets = makefile_targets(ROOT / "Makefile")
    named = make_targets_named(page.read_text(encoding="utf-8"))
    assert [f"{page.name}:{n}: make {t}" for n, t in named if t not in targets] == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_cerebro_command_named_is_one_the_cli_has(page):
    named = cerebro_commands_named(page.read_text(encoding="utf-8"))
    problems = {(n, problem) for n, words in named if (problem := command_problem(main, words))}
    assert [f"{page.name}:{n}: {problem}" for n, problem in sorted(problems)] == []


def test_the_readme_names_the_commands_a_newcomer_needs():
    """The pages are checked only for what they name: the README must name some of each."""
    text = README.read_text(encoding="utf-8")
    assert {"demo", "test"} <= {target for _, target in make_targets_named(text)}
    assert ["run"] in [words[:1] for _, words in cerebro_commands_named(text)]


def test_the_readme_is_a_short_page():
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move depth into docs/"


def test_the_checks_find_a_missing_target_an_unknown_command_and_a_wrong_choice(tmp_path):
    """The checks themselves, on a page that names good and bad ones in code blocks and spans,
    and the same words in prose, which are not commands."""
    makefile = tmp_path / "Makefile"
    makefile.write_text(".PHONY: demo\nWORKERS := 2\ndemo: setup\n\t@echo\nsetup:\n")
    page = (
        "# T\n\nRun `make demo`, then `make tests`; make sense of it in prose.\n\n"
        "```sh\nuv run cerebro run --days 3\n.venv/bin/cerebro metabase aply\n"
        "cerebro kpis acquisiton --tenant x\ncerebro kpis engagement | retention\n"
        "cerebro mmm fit --input a.csv\nmake bench-nothing\ntap-cerebro-demo --about\n```\n\n"
        "The `cerebro/` folder, the `cerebro_platform` job and `cerebro segment exprt`.\n"
    )
    targets = makefile_targets(makefile)
    assert targets == {"demo", "setup"}
    assert [(n, t) for n, t in make_targets_named(page) if t not in targets] == [
        (3, "tests"),
        (11, "bench-nothing"),
    ]
    problems = [
        (n, problem.split(":")[0])
        for n, words in cerebro_commands_named(page)
        if (problem := command_problem(main, words))
    ]
    assert problems == [
        (7, "'cerebro metabase aply'"),
        (8, "'cerebro kpis acquisiton'"),
        (15, "'cerebro segment exprt'"),
    ]
