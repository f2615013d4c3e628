"""Login, logout, the home page that sends each role to its workspace, and the account
page where users manage their API tokens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import policy
from ..audit import services as audit
from ..db_types import MAX_ID
from ..extensions import db, login_manager
from ..i18n import choose_language, language_chosen_before_signing_in
from ..pagination import paginate, requested_page
from ..translation import gettext as _
from ..translation import lazy_gettext as _l
from ..translation import ngettext
from ..urls import safe_next
from . import accounts, sessions, throttle
from .accounts import authenticate, log_out_everywhere
from .forms import LoginForm, PasswordForm, TokenForm
from .models import Role, User
from .tokens import TokenError, create_token, revoke_token, tokens_of, unseen_copy

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


# Built once: every request of a signed-in person runs it, and making the statement and its cache key
# anew cost 45 µs a time.
_USER_OF_TOKEN = sa.select(User).where(User.session_token == sa.bindparam("token"), User.active.is_(True))


@login_manager.user_loader
def load_user(sign_in_name: str) -> User | None:
    token = sessions.token_if_current(sign_in_name)
    if token is None:
        return None
    return db.session.scalar(_USER_OF_TOKEN, {"token": token})


bp.before_app_request(sessions.end_idle_session)


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
@throttle.limit_failures_per_account
@throttle.limit_failures_per_address
def login():
    if current_user.is_authenticated:
        return redirect(workspace_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            chosen = language_chosen_before_signing_in()
            sessions.sign_in(user, remember=form.remember.data)
            if chosen:
                choose_language(chosen)  # picked on the way in: theirs now, saved for the next time
            audit.record("sign_in", actor=user)
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next")) or workspace_url(user))
        audit.record("sign_in", audit.FAILED, email=form.email.data)
        form.password.errors.append(_("Wrong email or password, or the account is inactive."))
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("sign_out")
    log_out_everywhere(current_user)
    sessions.sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account")
@login_required
def account():
    return _render_account(TokenForm(formdata=None))


def _render_account(
    form: TokenForm,
    new_secret: str | None = None,
    status: int = 200,
    password_form: PasswordForm | None = None,
    replaced=None,
):
    return (
        render_template(
            "auth/account.html",
            form=form,
            password_form=password_form or PasswordForm(formdata=None),
            tokens=tokens_of(current_user),
            new_secret=new_secret,
            replaced=replaced,
        ),
        status,
    )


@bp.route("/account/password", methods=["POST"])
@login_required
@throttle.limit_password_change_failures
def change_password():
    """A new password; every other session and remember-me cookie of the account ends, this one goes on."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            revoked = accounts.change_password(current_user, form.current.data, form.new.data)
        except accounts.WrongPassword as error:
            audit.record("password_changed", audit.FAILED, detail="wrong current password")
            form.current.errors.append(str(error))
        except accounts.AccountError as error:
            form.new.errors.append(str(error))
        else:
            audit.record("password_changed")
            sessions.sign_in(current_user._get_current_object(), remember=sessions.is_remembered())
            if revoked:
                flash(
                    ngettext(
                        "Your password is changed. You are signed out everywhere else, and your API token is "
                        "revoked: make a new one for your scripts.",
                        "Your password is changed. You are signed out everywhere else, and your %(num)d API "
                        "tokens are revoked: make new ones for your scripts.",
                        revoked,
                    ),
                    "success",
                )
            else:
                flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(TokenForm(formdata=None), password_form=form, status=422)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_api_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_account(form, status=422)
    key = form.submission_key.data or None
    replaced = unseen_copy(current_user, key, form.name.data) if key else None
    try:
        _token, secret = create_token(current_user, form.name.data, form.days, submission_key=key, replacing=replaced)
    except TokenError as error:
        form.name.errors.append(str(error))
        return _render_account(form, status=422)
    if replaced is not None:
        audit.record("token_revoked", target=f"token:{replaced.id}", detail="the same form sent again")
    audit.record("token_created", detail=form.name.data)
    # Shown on this page once, never stored in a flash message or anywhere else.
    return _render_account(TokenForm(formdata=None), new_secret=secret, status=201, replaced=replaced)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    token = revoke_token(current_user, token_id)
    if token is None:
        abort(404)
    audit.record("token_revoked", target=f"token:{token.id}", detail=token.name)
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("auth.account"))


ACCOUNTS_PER_PAGE = 50


@bp.route("/accounts")
@login_required
def accounts_page():
    audit.not_found_unless(policy.can_manage_accounts(current_user))
    query = request.args.get("q", "").strip()[:100] or None
    role = request.args.get("role") if request.args.get("role") in Role.ALL else None
    page = paginate(accounts.accounts_list(query, role), requested_page(), ACCOUNTS_PER_PAGE)
    return render_template("auth/accounts.html", page=page, q=query, role=role, roles=Role.ALL)


@bp.route("/accounts/<int:user_id>/active", methods=["POST"])
@login_required
def set_account_active(user_id: int):
    audit.not_found_unless(policy.can_manage_accounts(current_user))
    user = db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        abort(404)
    active = request.form.get("active") == "1"
    back = redirect(url_for("auth.accounts_page", q=user.email))
    try:
        accounts.set_account_active(current_user, user, active)
    except accounts.AccountError as error:
        flash(str(error), "error")
        return back
    audit.record("account_enabled" if active else "account_disabled", target=f"user:{user.id}", detail=user.email)
    if active:
        flash(_("The account of %(name)s is enabled: they can sign in again.", name=user.name), "success")
    else:
        flash(_("The account of %(name)s is disabled: its sessions and tokens stop now.", name=user.name), "success")
    return back


from . import link_views  # noqa: E402, F401  (its routes are this blueprint's)
