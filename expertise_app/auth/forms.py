"""Login and API token forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..forms import Form


class LoginForm(Form):
    email = EmailField(_l("Email"), [DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class TokenForm(Form):
    name = StringField(
        _l("Token name"),
        [DataRequired(), Length(max=80)],
        description=_l("What the token is for, e.g. “Project tracker sync”."),
    )
