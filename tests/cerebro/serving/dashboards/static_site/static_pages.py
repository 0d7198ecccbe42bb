"""Reading rendered pages back in tests: the cards on a page, its navigation, its filter chips,
every src/href, and its embedded figures."""

from __future__ import annotations

import html
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
        elif tag == "script" and (attributes.get("id") or "").startswith("figure-"):
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


#: Figure fields whose strings a reader sees: trace names, category labels, pie labels, text on
#: bars and cells, tooltip values, axis and legend titles.
_FIGURE_TEXT_KEYS = frozenset({"name", "x", "y", "labels", "text", "customdata", "ticktext"})


def _figure_texts(node, inside_text_field: bool = False) -> list[str]:
    if isinstance(node, str):
        return [node] if inside_text_field else []
    if isinstance(node, list):
        return [text for item in node for text in _figure_texts(item, inside_text_field)]
    if isinstance(node, dict):
        return [
            text
            for key, value in node.items()
            for text in _figure_texts(value, inside_text_field or key in _FIGURE_TEXT_KEYS)
        ]
    return []


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0  # inside <script>, <style> or <head>
        self._figure = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._hidden += 1
            # A chart's figure; the Simulador's curves and the search's customers are data.
            self._figure = (dict(attrs).get("id") or "").startswith("figure-")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self._hidden -= 1
            self._figure = False

    def handle_data(self, data):
        if self._figure:
            figure = json.loads(data)
            self.texts += _figure_texts(figure["data"])
            for axis in ("xaxis", "yaxis"):
                title = figure["layout"].get(axis, {}).get("title", {}).get("text")
                self.texts += [title] if title else []
        elif not self._hidden and data.strip():
            self.texts.append(data.strip())


def visible_texts(path: Path) -> list[str]:
    """Every piece of text a reader of the page can see: the page's text and its charts'
    (series names, category labels, values on bars and in tooltips, axis titles)."""
    reader = _VisibleText()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.texts


def overview_tiles(path: Path) -> dict[str, int]:
    """A tenant's overview page (index.html): each dashboard tile's title and how many figures
    (the first scalars of its dashboard) it shows."""
    tiles = {}
    for tile in path.read_text(encoding="utf-8").split('<a class="tile"')[1:]:
        title = tile.split("<h2>", 1)[1].split("</h2>", 1)[0]
        tiles[html.unescape(title)] = tile.split("</a>", 1)[0].count("<dt>")
    return tiles
