"""Login, logout and the home page that sends each role to its workspace."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..urls import safe_next
from .accounts import authenticate, log_out_everywhere
from .forms import LoginForm
from .models import User

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.session_token == session_token, User.active.is_(True)))


def workspace_url(user: User) -> str:
    if user.is_manager:
        return url_for("dashboard.overview")
    return url_for("cases.index")


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(workspace_url(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(workspace_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next")) or workspace_url(user))
        form.password.errors.append(_("Wrong email or password, or the account is inactive."))
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    log_out_everywhere(current_user)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
