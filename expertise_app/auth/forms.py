"""Login and API token forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..forms import Form


class LoginForm(Form):
    email = EmailField(_l("Email"), [DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordForm(Form):
    current = PasswordField(_l("Current password"), [DataRequired(), Length(max=1024)])
    new = PasswordField(
        _l("New password"),
        [DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters; a few unrelated words make a strong one."),
    )
    confirm = PasswordField(
        _l("New password, again"), [DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))]
    )


class TokenForm(Form):
    name = StringField(
        _l("Token name"),
        [DataRequired(), Length(max=80)],
        description=_l("What the token is for, e.g. “Project tracker sync”."),
    )
    lifetime = SelectField(
        _l("Valid for"),
        choices=[("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("A year")), ("never", _l("Until revoked"))],
        default="90",
    )

    @property
    def days(self) -> int | None:
        return None if self.lifetime.data == "never" else int(self.lifetime.data)
