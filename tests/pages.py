"""Reading pages the way a person does: which forms are there, what they hold, what they say."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

REFERENCE_LINK = re.compile(r">(EXP-\d{4}-\d{4})</a>")
ACTION_URL = re.compile(r"/cases/\d+/actions/(\w+)$")
ACTION_LINK = re.compile(r'<a [^>]*data-action="(\w+)"')


@dataclass
class Form:
    action: str
    values: dict[str, list[str]] = field(default_factory=dict)  # what the form would send now
    errors: dict[str, str] = field(default_factory=dict)  # field name -> the message shown next to it

    def value(self, name: str) -> str | None:
        values = self.values.get(name) or []
        return values[0] if values else None


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._error: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = Form(action=attributes.get("action") or "")
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        values = self._form.values
        if tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in {"submit", "button", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            values.setdefault(attributes["name"], []).append(attributes.get("value") or "")
        elif tag == "select":
            self._select = attributes.get("name")
            values.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in attributes:
            values[self._select].append(attributes.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = attributes.get("name"), []
        elif tag == "p" and "error" in (attributes.get("class") or "").split():
            self._error, self._text = attributes.get("data-field") or "", []

    def handle_data(self, data):
        if self._textarea or self._error:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            # A newline right after <textarea> is not part of the value (HTML spec).
            text = text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text
            self._form.values[self._textarea] = [text]
            self._textarea = None
        elif tag == "p" and self._error is not None:
            self._form.errors[self._error] = " ".join("".join(self._text).split())
            self._error = None


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_posting_to(html: str, action: str) -> Form:
    """The one form of the page that posts to `action` ("" for the page itself)."""
    matches = [form for form in forms(html) if form.action == action]
    assert len(matches) == 1, f"expected one form posting to {action!r}, found {len(matches)}"
    return matches[0]


def offered_actions(html: str) -> list[str]:
    """The actions a request page offers: its forms, then its links to an action's own page."""
    offered = []
    for form in forms(html):
        match = ACTION_URL.search(form.action)
        if match:
            offered.append(match.group(1))
    return offered + ACTION_LINK.findall(main_content(html))


def references(html: str) -> list[str]:
    """The request references a list page links to, in page order."""
    return REFERENCE_LINK.findall(html)


def main_content(html: str) -> str:
    """The page's <main> element: what is shown, without the header and footer around it."""
    return html[html.index("<main") : html.index("</main>")]


def text(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class _OptionParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.selects: dict[str, list[dict[str, str | None]]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self._select = dict(attrs).get("name") or ""
            self.selects.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            self.selects[self._select].append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def select_options(html: str) -> dict[str, list[dict[str, str | None]]]:
    """Each select of the page by name, with the attributes of each of its options, in order."""
    parser = _OptionParser()
    parser.feed(html)
    return parser.selects
