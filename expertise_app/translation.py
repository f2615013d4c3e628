"""`gettext`, `ngettext` and `lazy_gettext` as Flask-Babel's, with the request's catalogue found in one step.

Flask-Babel's own functions look the domain and its catalogue up again for each string (the
request context, the extension, the locale: 3.5 µs), and a case page translates about 150 strings
in Python (labels of forms, vocabularies and actions, messages), on top of its templates. The
catalogue of the request is the one `i18n.RequestDomain` keeps in Flask-Babel's own slot, which
Flask-Babel empties whenever the language changes (`refresh()`, and `force_locale` for an email in
its recipient's language); when the slot is empty, or outside a request, Flask-Babel finds it.
The names are the ones the catalogues are extracted by (babel.cfg).
"""

from __future__ import annotations

from babel import support
from flask import g, has_app_context
from flask_babel import LazyString, get_translations


def _translations() -> support.NullTranslations:
    if has_app_context():
        found = getattr(g.get("_flask_babel"), "babel_translations", None)
        if found is not None:
            return found
    return get_translations()


def gettext(string: str, **variables) -> str:
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)
