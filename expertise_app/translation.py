"""`gettext`, `ngettext`, `lazy_gettext` and `get_locale` (`current_locale`) as Flask-Babel's, with
the request's catalogue and locale found in one step.

Flask-Babel's own functions look the domain, the locale and the catalogue up again for each call
(the request context, the extension: 3.5 µs), and a case page translates about 150 strings in
Python (labels of forms, vocabularies and actions, messages) and writes dates and country names
besides. The catalogue is the one `i18n.RequestDomain` keeps in Flask-Babel's own slot, next to
the locale Flask-Babel keeps there; Flask-Babel empties both whenever the language changes
(`refresh()`, and `force_locale` for an email in its recipient's language). When the slot is
empty, or outside a request, Flask-Babel finds them. The names are the ones the catalogues are
extracted by (babel.cfg).
"""

from __future__ import annotations

from babel import Locale, support
from babel.lists import format_list
from flask import g, has_app_context
from flask_babel import LazyString, get_locale, get_translations


def kept(name: str):
    """What Flask-Babel keeps for this request under `name` (`babel_locale`, `babel_translations`),
    or None: outside a request, before it is first found, after the language changed."""
    if not has_app_context():
        return None
    return getattr(g.get("_flask_babel"), name, None)


def current_locale() -> Locale | None:
    """Flask-Babel's `get_locale()`, read from its slot when the request already has it."""
    locale = kept("babel_locale")
    return locale if locale is not None else get_locale()


def request_translations() -> support.NullTranslations:
    """The catalogue of the request's language: Flask-Babel's, read from its slot when it is there."""
    translations = kept("babel_translations")
    return translations if translations is not None else get_translations()


def gettext(string: str, **variables) -> str:
    text = request_translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return request_translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


def pgettext(context: str, string: str, **variables) -> str:
    """`string` as said in `context`: one English word may need two in another language ("Declined":
    a request the ministry declined, an expert who declined to join)."""
    text = request_translations().upgettext(context, string)
    return text % variables if variables else text


def lazy_pgettext(context: str, string: str, **variables) -> LazyString:
    return LazyString(pgettext, context, string, **variables)


def marked(message: str) -> str:
    """`message`, only marked for the catalogue: translated where another library looks it up (forms.py)."""
    return message


def marked_plural(singular: str, plural: str) -> tuple[str, str]:
    """A singular and its plural, only marked for the catalogue, as `marked`."""
    return singular, plural


def isolated(text: str) -> str:
    """`text` set apart from the sentence it is put in (Unicode's first-strong isolate and its end,
    both unseen): a reference or a title keeps its own order inside a sentence of the other
    direction. In an Arabic sentence "EXP-2026-0023" otherwise split into "EXP-" and "2026-0023"
    with the title between them, in a page, an email or the API alike."""
    return f"\u2068{text}\u2069"


def as_list(items) -> str:
    """`['French', 'Arabic']` → "French and Arabic", "الفرنسية والعربية": the locale's list pattern."""
    items = [str(item) for item in items if item]
    return format_list(items, locale=current_locale()) if items else ""
