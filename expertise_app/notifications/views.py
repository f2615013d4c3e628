"""The notifications page: what concerns me, unread first in the header's count; mark as read; preferences."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..pagination import paginate, requested_page
from ..translation import gettext as _
from ..urls import safe_next
from . import services
from .forms import PreferencesForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 30


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in user."""


def _render(form: PreferencesForm, status: int = 200):
    page = paginate(services.of_user(current_user), requested_page(), PER_PAGE)
    title = partial(services.title_of, reader=current_user)
    return (
        render_template("notifications/index.html", page=page, form=form, notification_title=title),
        status,
    )


@bp.route("")
def index():
    return _render(PreferencesForm(formdata=None, email_notifications=current_user.email_notifications))


@bp.route("/<int:notification_id>/read", methods=["POST"])
def mark_read(notification_id: int):
    if not services.is_own(current_user, notification_id):
        abort(404)  # another person's notification does not exist for this one
    services.mark_read(current_user, notification_id=notification_id)
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"))


@bp.route("/read", methods=["POST"])
def mark_all_read():
    count = services.mark_read(current_user)
    flash(_("All your notifications are marked as read.") if count else _("Nothing was unread."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["POST"])
def preferences():
    form = PreferencesForm()
    if not form.validate():
        return _render(form, 422)
    services.set_delivery(current_user, form.email_notifications.data)
    flash(_("Your choice is saved."), "success")
    return redirect(url_for("notifications.index"))
