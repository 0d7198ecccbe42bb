"""Every relative link of the README and of docs/ leads somewhere in the repository: to a file
a clone has, and to a heading of it when the link names an anchor (GitHub's anchors)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.docs.markdown_pages import broken_links, github_anchor

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_point_at_files_and_headings_in_the_repository(page):
    assert broken_links(page, ROOT) == []


def test_a_missing_file_a_missing_anchor_and_a_path_outside_are_each_reported(tmp_path):
    """The check itself, on a page with good links of each kind and four broken ones."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "kpis.md").write_text("# KPIs\n\n## Valid order: paid, not cancelled\n")
    page = tmp_path / "README.md"
    page.write_text(
        "# Cerebro\n\n## What `make demo` does\n\n"
        "[kpis](docs/kpis.md) [order](docs/kpis.md#valid-order-paid-not-cancelled) "
        "[top](#what-make-demo-does) ![shot](docs/img/missing.png) [web](https://example.com)\n"
        "[design](../shared/DESIGN.md) [typo](#what-make-demo-doe)\n"
        '<a href="docs/kpis.md"><img src="docs/img/gone.png" width="49%"></a>\n\n'
        "```sh\n[not a link](nowhere.md)\n```\n"
    )
    assert broken_links(page, tmp_path) == [
        "README.md:5: docs/img/missing.png (no such file)",
        "README.md:6: ../shared/DESIGN.md (outside the repository)",
        "README.md:6: #what-make-demo-doe (no heading with that anchor)",
        "README.md:7: docs/img/gone.png (no such file)",
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_link_to_a_file_git_ignores_is_reported(tmp_path):
    """data/ exists after `make demo` but not in a clone: a link into it is broken on GitHub."""
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("/data/\n")
    (tmp_path / "data" / "dashboards").mkdir(parents=True)
    (tmp_path / "data" / "dashboards" / "index.html").write_text("<html></html>")
    page = tmp_path / "README.md"
    page.write_text("# Cerebro\n\nOpen [the dashboards](data/dashboards/index.html).\n")
    assert broken_links(page, tmp_path) == [
        "README.md:3: data/dashboards/index.html (ignored by git: a clone does not have it)"
    ]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("What `make demo` does", "what-make-demo-does"),
        ("For data engineers: the Dagster UI", "for-data-engineers-the-dagster-ui"),
        ("Data contract (short)", "data-contract-short"),
        ("Budget brain: where the next peso goes", "budget-brain-where-the-next-peso-goes"),
        ("Retención y Lealtad", "retención-y-lealtad"),
        ("Tenant isolation on PostgreSQL", "tenant-isolation-on-postgresql"),
        ("mart_orders, fct_orders & co.", "mart_orders-fct_orders--co"),
    ],
)
def test_anchors_follow_github(heading, anchor):
    """GitHub's rule (lowercase, punctuation dropped, spaces to hyphens; accented letters and
    underscores kept; '&' leaves its two spaces, hence the double hyphen)."""
    assert github_anchor(heading) == anchor
