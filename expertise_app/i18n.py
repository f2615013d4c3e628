"""Which language a request is served in, and the language switcher.

The user's saved preference wins, then the visitor's cookie (set by the
switcher shown on every page), then the browser's Accept-Language; English is
the default and the source language of the catalogues in translations/.
"""

from __future__ import annotations

from functools import cached_property

from babel import support
from flask import (
    Blueprint,
    after_this_request,
    current_app,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import Babel, Domain, refresh
from flask_login import current_user

from .translation import kept
from .urls import safe_next

LANGUAGE_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

# Each language's own name for itself, shown in the switcher whatever the page's language.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}

bp = Blueprint("i18n", __name__)


class RequestDomain(Domain):
    """The catalogue, looked up once per request rather than for every string.

    Flask-Babel finds the translations anew for each string it translates (the locale, its name,
    the cache): about 7 µs, and a list page translates a few hundred strings. The translations
    found are kept in the slot Flask-Babel itself clears whenever the language changes
    (`refresh()`, `force_locale` for an email in its recipient's language).
    """

    def get_translations(self) -> support.NullTranslations:
        translations = kept("babel_translations")
        if translations is None:
            translations = super().get_translations()
            if has_app_context():
                g._flask_babel.babel_translations = translations
        return translations


class RequestBabel(Babel):
    """Flask-Babel with the catalogue looked up once per request (`RequestDomain`)."""

    @cached_property
    def domain_instance(self) -> RequestDomain:
        return RequestDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)

        def translations() -> support.NullTranslations:
            return self.domain_instance.get_translations()

        app.jinja_env.install_gettext_callables(
            gettext=lambda string: translations().ugettext(string),
            ngettext=lambda singular, plural, number: translations().ungettext(singular, plural, number),
            pgettext=lambda context, string: translations().upgettext(context, string),
            npgettext=lambda context, singular, plural, number: translations().unpgettext(
                context, singular, plural, number
            ),
            newstyle=True,
        )


def supported_languages() -> tuple[str, ...]:
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The user's saved preference, else the visitor's cookie, else Accept-Language."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # command line, background jobs
        return default
    user = g.get("api_user") or current_user
    if user and user.is_authenticated and user.locale in supported_languages():
        return user.locale
    return visitor_language()


def visitor_language() -> str:
    """The visitor's cookie, else Accept-Language, else the default: what is known without the database."""
    supported = supported_languages()
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in supported:
        return cookie
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


# A language a visitor chose during this visit, before signing in: the person's language from then on
# (it would otherwise give way to the one saved with their account, as if the choice had not been made).
CHOSEN_BEFORE_SIGNING_IN = "language_chosen"


def language_chosen_before_signing_in() -> str | None:
    return session.get(CHOSEN_BEFORE_SIGNING_IN)


SWITCH_LANGUAGE = "switch_language"  # the name of a form's language buttons (base.html)


def show_form_again_in_its_language() -> bool:
    """For a page whose form has language buttons: if one of them sent it, serve this request in that language
    and say so (True); the page then shows the form again, what was typed kept, and files or performs nothing."""
    if request.method != "POST" or SWITCH_LANGUAGE not in request.form:
        return False
    choose_language(request.form[SWITCH_LANGUAGE])
    g.form_shown_again = True
    return True


def form_shown_again() -> bool:
    """Whether this request only showed a form again in another language: it counts against no limit on
    writing. Only a page that does so says it: a field of that name sent anywhere else changes nothing."""
    return g.get("form_shown_again", False)


def choose_language(language: str) -> bool:
    """Serve this request and the next ones in `language`; False if it is not one we speak.

    Kept in a cookie for visitors and as the signed-in user's preference (saved
    with the request). A page with a form calls this when its language buttons
    are pressed, so the form comes back in the new language with what was typed.
    """
    if language not in supported_languages():
        return False
    if current_user.is_authenticated:
        current_user.locale = language
    else:
        session[CHOSEN_BEFORE_SIGNING_IN] = language  # signing in on this visit makes it theirs

    @after_this_request
    def remember(response):
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=ONE_YEAR, samesite="Lax", httponly=True)
        return response

    refresh()
    return True


@bp.route("/language", methods=["POST"])
def switch_language():
    """Remember the chosen language and go back to the page it was chosen on."""
    target = safe_next(request.form.get("next")) or url_for("auth.home")
    choose_language(request.form.get("lang", ""))
    return redirect(target)
