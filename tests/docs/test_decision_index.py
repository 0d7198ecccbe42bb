"""docs/decisions/README.md lists every decision record once, links only records that exist,
says where each stands, and no two records share a number."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from tests.docs.markdown_pages import headings, prose_lines, relative_links

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = ROOT / "docs" / "decisions"
INDEX_NAME = "README.md"
RECORD_NAME = re.compile(r"(\d{4})-[a-z0-9-]+\.md")
#: ``- 0011 [Title](0011-slug.md) — what was decided — standing``
ENTRY = re.compile(r"- (\d{4}) \[.+?\]\(([^)\s]+)\) — .+ — (.+)")
STANDINGS = ("accepted", "amended by", "partly replaced by", "superseded by")


def record_problems(decisions: Path) -> list[str]:
    """Files that are no well-formed record, headings that name another number than their file,
    and numbers taken by two records."""
    problems, by_number = [], defaultdict(list)
    for path in sorted(decisions.glob("*.md")):
        if path.name == INDEX_NAME:
            continue
        if not (name := RECORD_NAME.fullmatch(path.name)):
            problems.append(f"{path.name}: not named NNNN-title.md")
            continue
        by_number[name.group(1)].append(path.name)
        first = headings(path.read_text(encoding="utf-8"))[:1]
        if not first or not first[0].text.startswith(f"{name.group(1)} "):
            problems.append(f"{path.name}: its heading does not start with {name.group(1)}")
    problems += [
        f"{number}: shared by {', '.join(names)}"
        for number, names in sorted(by_number.items())
        if len(names) > 1
    ]
    return problems


def index_problems(decisions: Path) -> list[str]:
    """Records the index does not list exactly once, entries whose number is not their file's
    or that say no standing, standings that name no record, and links to no file."""
    index = decisions / INDEX_NAME
    if not index.exists():
        return [f"{INDEX_NAME}: missing"]
    text = index.read_text(encoding="utf-8")
    numbers = {path.name[:4] for path in decisions.glob("*.md") if RECORD_NAME.fullmatch(path.name)}
    problems, listed = [], Counter()
    for line_number, line in prose_lines(text):
        if not line.startswith("- "):
            continue
        where = f"{INDEX_NAME}:{line_number}"
        if not (entry := ENTRY.fullmatch(line)):
            problems.append(f"{where}: not '- NNNN [title](file) — decision — standing'")
            continue
        number, target, standing = entry.groups()
        listed[target] += 1
        if target[:4] != number:
            problems.append(f"{where}: {number} links {target}")
        if not standing.startswith(STANDINGS):
            problems.append(f"{where}: standing '{standing}' is none of {', '.join(STANDINGS)}")
        for cited in re.findall(r"\b\d{4}\b", standing):
            if cited not in numbers:
                problems.append(f"{where}: standing names {cited}, which is no record")
    for link in relative_links(text):
        path_part = link.target.partition("#")[0]
        if path_part and not (decisions / path_part).exists():
            problems.append(f"{INDEX_NAME}:{link.line}: {link.target} (no such file)")
    for path in sorted(decisions.glob("*.md")):
        if RECORD_NAME.fullmatch(path.name) and listed[path.name] != 1:
            problems.append(f"{path.name}: listed {listed[path.name]} times")
    return problems


def test_every_record_is_named_by_a_number_of_its_own():
    assert record_problems(DECISIONS) == []


def test_the_index_lists_every_record_once_and_links_only_records():
    assert index_problems(DECISIONS) == []


def test_the_checks_report_a_missing_a_doubled_a_dangling_and_a_misnumbered_record(tmp_path):
    """The checks themselves, on a folder with one good record and one of each fault."""
    records = {
        "0001-good.md": "# 0001 — Good\n",
        "0002-unlisted.md": "# 0002 — Not in the index\n",
        "0003-first.md": "# 0003 — One of two threes\n",
        "0003-second.md": "# 0003 — The other three\n",
        "0004-renumbered.md": "# 0005 — Heading and file disagree\n",
        "notes.md": "# Notes\n",
    }
    for name, text in records.items():
        (tmp_path / name).write_text(text)
    (tmp_path / INDEX_NAME).write_text(
        "# Decision records\n\n## Area\n\n"
        "- 0001 [Good](0001-good.md) — Decided a thing. — accepted\n"
        "- 0003 [One](0003-first.md) — Decided. — amended by 0004\n"
        "- 0003 [Other](0003-second.md) — Decided. — superseded by 0009\n"
        "- 0003 [Other again](0003-second.md) — Decided. — accepted\n"
        "- 0004 [Renumbered](0004-renumbered.md) — Decided. — vigente\n"
        "- 0006 [Gone](0006-gone.md) — Decided. — accepted\n"
        "- 0007 [Wrong file](0001-good.md) — Decided. — accepted\n"
        "- 0008 no link, no standing\n"
        "\n```\n- 0009 [In a code block](0009-nowhere.md) — not an entry — accepted\n```\n"
    )
    assert record_problems(tmp_path) == [
        "0004-renumbered.md: its heading does not start with 0004",
        "notes.md: not named NNNN-title.md",
        "0003: shared by 0003-first.md, 0003-second.md",
    ]
    assert index_problems(tmp_path) == [
        "README.md:7: standing names 0009, which is no record",
        "README.md:9: standing 'vigente' is none of accepted, amended by, partly replaced by, "
        "superseded by",
        "README.md:11: 0007 links 0001-good.md",
        "README.md:12: not '- NNNN [title](file) — decision — standing'",
        "README.md:10: 0006-gone.md (no such file)",
        "0001-good.md: listed 2 times",
        "0002-unlisted.md: listed 0 times",
        "0003-second.md: listed 2 times",
    ]
