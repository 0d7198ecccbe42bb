"""Reading Markdown as GitHub renders it: headings and their anchors, and relative links.

Only what the docs tests need; lines inside fenced code blocks are neither headings nor links.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
#: ``[text](target)`` and ``![alt](target)``; the target ends at the first space or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
#: ``src="…"`` and ``href="…"`` of the HTML GitHub lets through (e.g. images side by side).
HTML_LINK = re.compile(r"""\b(?:src|href)=["']([^"']+)["']""")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)  # http:, mailto:, //host


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Link:
    target: str
    line: int


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks (``` or ~~~)."""
    lines, fence = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if marker and (fence is None or marker.group(1).startswith(fence)):
            fence = None if fence else marker.group(1)[:3]
            continue
        if fence is None:
            lines.append((number, line))
    return lines


def headings(text: str) -> list[Heading]:
    return [
        Heading(len(found.group(1)), found.group(2), number)
        for number, line in prose_lines(text)
        if (found := HEADING.match(line))
    ]


def plain_text(inline: str) -> str:
    """A heading's text as displayed: links keep their text, code and bold lose their marks."""
    return re.sub(r"[`*]", "", re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", inline))


def github_anchor(heading_text: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation removed (letters, digits, ``-``
    and ``_`` kept, accented letters too), each space a hyphen."""
    text = plain_text(heading_text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading's anchor, repeated headings numbered ``-1``, ``-2`` as GitHub does."""
    seen: dict[str, int] = {}
    found = set()
    for heading in headings(text):
        slug = github_anchor(heading.text)
        count = seen.get(slug, 0)
        found.add(slug if count == 0 else f"{slug}-{count}")
        seen[slug] = count + 1
    return found


def relative_links(text: str) -> list[Link]:
    """Links and images (Markdown or HTML) that point inside the repository (or at an anchor
    of this page)."""
    links = []
    for number, line in prose_lines(text):
        line = re.sub(r"`[^`]*`", "", line)  # not links inside code spans
        for target in LINK.findall(line) + HTML_LINK.findall(line):
            if not EXTERNAL.match(target):
                links.append(Link(target, number))
    return links


def broken_links(page: Path, root: Path) -> list[str]:
    """``"page:line: target (why)"`` for every relative link of ``page`` whose file is not in
    ``root`` or whose ``#anchor`` is no heading of the Markdown file it names."""
    problems = []
    for link in relative_links(page.read_text(encoding="utf-8")):
        path_part, _, anchor = link.target.partition("#")
        target = (page.parent / path_part).resolve() if path_part else page.resolve()
        where = f"{page.relative_to(root)}:{link.line}: {link.target}"
        if not target.is_relative_to(root.resolve()):
            problems.append(f"{where} (outside the repository)")
        elif not target.exists():
            problems.append(f"{where} (no such file)")
        elif git_ignores(target, root):
            problems.append(f"{where} (ignored by git: a clone does not have it)")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target.read_text()):
            problems.append(f"{where} (no heading with that anchor)")
    return problems


def git_ignores(path: Path, root: Path) -> bool:
    """Whether git ignores ``path`` (a local file a clone would not have, e.g. under data/);
    False where git or the repository is not available."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--quiet", str(path)],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return False
    return result.returncode == 0
