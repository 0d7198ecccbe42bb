"""Reading rendered pages back in tests: the cards on a page, its navigation, its filter chips,
every src/href, and its embedded figures."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path


class PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, str] = {}  # card key -> kind (scalar, chart, table, empty, error)
        self.navigation: list[str] = []  # dashboard links in the sidebar, in order
        self.chips: list[str] = []  # "Desde 2 oct 2026"
        self.references: list[str] = []  # every src and href
        self.figures: dict[str, dict] = {}  # card key -> Plotly figure
        self._in_sidebar = False
        self._capture: tuple[str, str] | None = None  # (what, closing tag) being read
        self._key = ""
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        self.references += [attributes[name] for name in ("src", "href") if name in attributes]
        if tag == "nav" and "sidebar" in classes:
            self._in_sidebar = True
        elif tag == "section" and "card" in classes:
            self.cards[attributes["id"]] = attributes["data-kind"]
        elif tag == "script" and attributes.get("type") == "application/json":
            self._start("figure", "script", attributes["id"].removeprefix("figure-"))
        elif tag == "li" and "chip" in classes:
            self._start("chip", "li")
        elif tag == "a" and self._in_sidebar and "sidebar-home" not in classes:
            self._start("navigation", "a")

    def _start(self, what: str, closing: str, key: str = "") -> None:
        self._capture, self._key, self._text = (what, closing), key, []

    def handle_data(self, data):
        if self._capture is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_sidebar = False
        if self._capture is None or self._capture[1] != tag:
            return
        what, text = self._capture[0], "".join(self._text)
        # Visible text: the pieces of nested elements separated by one space.
        words = " ".join(piece.strip() for piece in self._text if piece.strip())
        if what == "figure":
            self.figures[self._key] = json.loads(text)
        elif what == "chip":
            self.chips.append(words)
        else:
            self.navigation.append(words)
        self._capture = None


def read_page(path: Path) -> PageReader:
    reader = PageReader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader
