"""What comes in, checked at one place before any view sees it.

Every value of an address's query, of a form and of a JSON body passes `checked_text`: a control
character (NUL first: PostgreSQL cannot store it) is refused, and so is a text longer than any
field accepts, before anything is stored or shown back. The refusal is a 422 that says which
value and why: an error page for people, a problem+json body for API clients.

The pages' query and form values are checked by an app-wide hook; the API's bodies by a hook of
the API's own, which runs after it has set the API's smaller body limit.

A body sent without Content-Length (Transfer-Encoding: chunked) is held to the same limit as one
with it: past the limit it is refused with 413, never cut at the limit and read as if complete.
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Iterator

from flask import Flask, Request, request
from flask_babel import format_decimal
from werkzeug.exceptions import RequestEntityTooLarge, UnprocessableEntity
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from .translation import gettext as _

# In a body: every C0 control and DEL but tab, line feed and carriage return (a textarea sends CR LF).
BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In an address nothing below the space belongs: a line break in `next=` is a header-splitting attempt.
ADDRESS_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
# What no text may hold in any channel, controls apart: the two noncharacters XML forbids (a
# spreadsheet holding one is refused whole by Excel). A lone surrogate (JSON "\ud800") is refused by
# the API's field checks, which name the field.
UNSTORABLE = re.compile("[\ufffe\uffff]")
# Characters: twice the longest text a field accepts (a message, 10,000), so no legitimate text is refused.
MAX_TEXT = 20_000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefusedInput(UnprocessableEntity):
    """A value no field could accept, refused before any view sees it."""


def checked_text(name: str, value: str, controls: re.Pattern = BODY_CONTROLS) -> str:
    """`value` if it can be taken in; RefusedInput saying what is wrong with it otherwise."""
    if len(value) > MAX_TEXT:
        raise RefusedInput(
            _(
                "“%(name)s” is %(length)s characters long; no field accepts more than %(max)s. Go back and shorten it.",
                name=_shown(name),
                length=format_decimal(len(value)),
                max=format_decimal(MAX_TEXT),
            )
        )
    found = UNSTORABLE.search(value) or controls.search(value)
    if found:
        shown, code = _shown(name), ord(found.group())
        if UNSTORABLE.match(found.group()):
            message = _(
                "“%(name)s” holds a character (U+%(code)04X) that no text may hold. "
                "Go back, remove it (it often comes with pasted text) and send again.",
                name=shown,
                code=code,
            )
        else:
            message = _(
                "“%(name)s” holds a control character (U+%(code)04X) that a text cannot hold. "
                "Go back, remove it (it often comes with pasted text) and send again.",
                name=shown,
                code=code,
            )
        raise RefusedInput(message)
    return value


def _shown(name: str) -> str:
    """A name as it may be quoted back: short, and without the characters it is refused for."""
    return UNSTORABLE.sub("", ADDRESS_CONTROLS.sub("", name))[:60]


# Address values that may hold a tab or a line break, as a body's text may: a search pasted from a
# spreadsheet's row (read as words, and never written into a header).
SEARCH_PARAMETERS = frozenset({"q"})


def check_address() -> None:
    for name, value in request.args.items(multi=True):
        checked_text(name, name, ADDRESS_CONTROLS)
        checked_text(name, value, BODY_CONTROLS if name in SEARCH_PARAMETERS else ADDRESS_CONTROLS)


def check_form() -> None:
    if request.mimetype not in FORM_TYPES:
        return
    # A part whose name werkzeug cannot read (a line break in it) comes with the name None.
    for name, value in request.form.items(multi=True):
        checked_text(name or "", name or "")
        checked_text(name or "", value)
    for name, upload in request.files.items(multi=True):
        checked_text(name or "", upload.filename or "", ADDRESS_CONTROLS)


def check_json() -> None:
    if not request.is_json:
        return
    try:
        document = request.get_json(silent=True)
    except RecursionError:  # nested too deep to read: the API answers 400 when it reads the body
        return
    for name, value in _strings(document):
        checked_text(name, value)


def _strings(document) -> Iterator[tuple[str, str]]:
    """(where, text) for every key and string in a JSON document (walked without recursion: a
    document can be nested as deep as the parser allows)."""
    pending = [("body", document)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, list):
            pending.extend((f"{path}[{index}]", element) for index, element in enumerate(item))
        elif isinstance(item, dict):
            for key, value in item.items():
                yield path, key
                pending.append((key, value))


def check_page_request() -> None:
    """The app-wide hook: the address of every request; the form of every page (the API's own hook
    checks its bodies once it has set its body limit)."""
    check_address()
    if not request.path.startswith("/api/"):
        check_form()


def check_api_body() -> None:
    check_form()
    check_json()


class BoundedBody(LimitedStream):
    """A body of unknown length read up to the largest accepted: one byte more is a 413.

    werkzeug's own stream raises only when read again past the limit; read whole (a urlencoded
    form, JSON), a body longer than the limit came back cut at the limit, without error, and was
    taken for the whole (a 422 or a 400 for text that was never sent so)."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


class BoundedRequest(Request):
    @cached_property
    def stream(self) -> t.IO[bytes]:
        limit = self.max_content_length
        if self.content_length is None and limit is not None and "wsgi.input_terminated" in self.environ:
            return t.cast(t.IO[bytes], BoundedBody(self.environ["wsgi.input"], limit, is_max=True))
        return get_input_stream(self.environ, max_content_length=limit)


def init_inbound(app: Flask) -> None:
    app.request_class = BoundedRequest
    app.before_request(check_page_request)
