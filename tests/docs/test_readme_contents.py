"""The README's first screen: the two commands first (CI runs the test command it shows), the
two screenshots, and a table of contents that lists every section, in order."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs.markdown_pages import github_anchor, headings, prose_lines, relative_links

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CONTENTS_TITLE = "**Contents**"


def contents_entries(text: str) -> list[tuple[str, str]]:
    """(text, anchor) of each ``- [text](#anchor)`` line of the list under the contents title."""
    lines = [line for _, line in prose_lines(text)]
    start = lines.index(CONTENTS_TITLE) + 1
    entries = []
    for line in lines[start:]:
        if not line.strip() and not entries:
            continue
        if not (entry := re.fullmatch(r"\s*[-*] \[(.+)\]\(#([^)]+)\)\s*", line)):
            break
        entries.append((entry.group(1), entry.group(2)))
    return entries


def listed_and_expected(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The contents' (text, anchor) entries, and the ones the ``##`` headings call for."""
    sections = [heading.text for heading in headings(text) if heading.level == 2]
    return contents_entries(text), [(section, github_anchor(section)) for section in sections]


def test_contents_list_every_section_in_order():
    listed, expected = listed_and_expected(README.read_text(encoding="utf-8"))
    assert listed == expected


def test_contents_check_notices_a_missing_a_moved_and_a_misspelt_entry():
    page = "# T\n\n**Contents**\n\n{}\n\n## A: one\n\n## B\n\n```sh\n## not a heading\n```\n"
    good = "- [A: one](#a-one)\n- [B](#b)"
    listed, expected = listed_and_expected(page.format(good))
    assert listed == expected == [("A: one", "a-one"), ("B", "b")]
    for bad in ("- [B](#b)", "- [B](#b)\n- [A: one](#a-one)", "- [A: one](#a:-one)\n- [B](#b)"):
        listed, expected = listed_and_expected(page.format(bad))
        assert listed != expected


def test_readme_opens_with_the_two_commands_and_shows_both_screenshots():
    text = README.read_text(encoding="utf-8")
    assert text.splitlines()[2:6] == [
        "```sh",
        "make demo   # installs everything (uv + the locked environment) and runs the whole "
        "platform on DuckDB with demo data",
        "make test   # lints, then runs the test suite",
        "```",
    ]
    first_screen = {link.target for link in relative_links(text[: text.index(CONTENTS_TITLE)])}
    for picture in ("docs/img/dashboard.png", "docs/img/dagster-graph.png"):
        assert picture in first_screen
        assert (ROOT / picture).stat().st_size < 400_000, f"{picture} is too heavy for a README"
