"""How a person wants to be told by email."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from ..forms import Form
from ..translation import lazy_gettext as _l
from .models import Delivery


class PreferencesForm(Form):
    email_notifications = RadioField(
        _l("Emails"),
        [InputRequired()],
        choices=[
            SelectChoice(Delivery.EACH, _l("An email for each notification")),
            SelectChoice(Delivery.DIGEST, _l("One email a day with the day's notifications")),
            SelectChoice(Delivery.NONE, _l("No email: I read them here")),
        ],
    )
