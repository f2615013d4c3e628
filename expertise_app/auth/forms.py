"""Login and API token forms."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import get_locale
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..forms import Form, NamesSelect
from ..i18n import LANGUAGE_NAMES
from ..translation import lazy_gettext as _l


class LoginForm(Form):
    email = EmailField(_l("Email"), [DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class NewPasswordForm(Form):
    """A new password, typed twice (a reset link's page)."""

    new = PasswordField(
        _l("New password"),
        [DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters; a few unrelated words make a strong one."),
    )
    confirm = PasswordField(
        _l("New password, again"), [DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))]
    )


class PasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), [DataRequired(), Length(max=1024)])


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), [DataRequired(), Email(check_deliverability=False), Length(max=254)])


def language_choices() -> list[tuple[str, str]]:
    """The app's languages, each named in itself."""
    return [(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]]


class ColleagueInvitationForm(Form):
    """A partner invites a colleague: always a partner of its own organisation (no other field is read)."""

    email = EmailField(_l("Email"), [DataRequired(), Email(check_deliverability=False), Length(max=254)])
    name = StringField(_l("Name"), [Optional(), Length(max=120)], description=_l("They may change it."))
    language = SelectField(
        _l("Language of the invitation"),
        description=_l("The email is written in it; the account will speak it until they choose another."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()
        if not self.is_submitted():
            self.language.data = str(get_locale())


class InvitationForm(ColleagueInvitationForm):
    """A manager invites an expert, or a partner of an organisation chosen from the list."""

    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("expert", _l("Expert")), SelectChoice("partner", _l("Partner"))],
        default="expert",
    )
    organisation = SelectField(
        _l("Organisation"),
        [Optional()],
        coerce=lambda value: int(value) if str(value).isdecimal() else None,
        description=_l("For a partner only."),
        widget=NamesSelect(),
    )

    def __init__(self, organisations: list[tuple[int, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [("", _l("Choose…")), *organisations]

    def validate_organisation(self, field) -> None:
        if self.role.data == "partner" and not field.data:
            raise ValidationError(_l("Choose the partner's organisation."))


class AcceptInvitationForm(NewPasswordForm):
    name = StringField(_l("Your name"), [DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class TokenForm(Form):
    name = StringField(
        _l("Token name"),
        [DataRequired(), Length(max=80)],
        description=_l("What the token is for, e.g. “Project tracker sync”."),
    )
    lifetime = SelectField(
        _l("Valid for"),
        choices=[
            SelectChoice("30", _l("30 days")),
            SelectChoice("90", _l("90 days")),
            SelectChoice("365", _l("A year")),
            SelectChoice("never", _l("Until revoked")),
        ],
        default="90",
    )

    # One key per form shown: a copy of the form sent again (a double click, a reload) is known by it.
    submission_key = HiddenField(default=lambda: secrets.token_urlsafe(24), validators=[Length(max=64)])

    @property
    def days(self) -> int | None:
        return None if self.lifetime.data == "never" else int(self.lifetime.data)
