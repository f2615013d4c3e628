"""Pages of the emailed links: asking for a password reset and using its link; inviting people,
the invitations still open, and the invitee's page where the account is made.

The routes are the `auth` blueprint's (auth/views.py imports this module).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import policy
from ..audit import services as audit
from ..extensions import db
from ..pagination import paginate, requested_page
from ..translation import gettext as _
from ..translation import ngettext
from . import invitations, recovery, sessions, throttle
from .accounts import AccountError
from .forms import AcceptInvitationForm, ColleagueInvitationForm, ForgotPasswordForm, InvitationForm, NewPasswordForm
from .models import Organisation
from .views import bp, workspace_url

INVITATIONS_PER_PAGE = 50


def _link_gone(kind: str):
    """An unknown, expired, spent or replaced link: said plainly, nothing changed (404)."""
    return render_template("auth/link_gone.html", kind=kind), 404


# -- a forgotten password ---------------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@throttle.limit_resets_per_email
@throttle.limit_resets_per_address
def forgot_password():
    """The same answer whether or not an account uses the email: only an active one is sent a link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = recovery.request_reset(form.email.data)
        if user is not None:
            audit.record("password_reset_requested", target=f"user:{user.id}", email=form.email.data)
        else:
            audit.record("password_reset_requested", audit.FAILED, detail="no active account", email=form.email.data)
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """A new password through a reset link. Then the person signs in with it: following a link proves
    that they read the mailbox, signing in that they know the password (and their browser saves it)."""
    reset = recovery.usable_reset(token)
    if reset is None:
        return _link_gone("reset")
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user, revoked = recovery.reset_password(reset, form.new.data)
        except AccountError as error:
            form.new.errors.append(str(error))
        else:
            audit.record("password_reset", target=f"user:{user.id}", actor=user)
            if current_user.is_authenticated:
                sessions.sign_out()  # whoever was signed in on this browser
            if revoked:
                flash(
                    ngettext(
                        "Your password is changed: every session of your account has ended and its API token is "
                        "revoked. Sign in with your new password.",
                        "Your password is changed: every session of your account has ended and its %(num)d API "
                        "tokens are revoked. Sign in with your new password.",
                        revoked,
                    ),
                    "success",
                )
            else:
                flash(
                    _("Your password is changed and every session of your account has ended. Sign in with it."),
                    "success",
                )
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, account=reset.user), 422 if form.errors else 200


# -- invitations ------------------------------------------------------------------------------------


def _invitation_form():
    if current_user.is_manager:
        names = db.session.execute(sa.select(Organisation.id, Organisation.name).order_by(Organisation.name))
        return InvitationForm([(row.id, row.name) for row in names])
    return ColleagueInvitationForm()


def _render_invitations(form, status: int = 200):
    page = paginate(invitations.open_invitations(current_user), requested_page(), INVITATIONS_PER_PAGE)
    joined = set()
    if current_user.is_manager:  # such an invitation cannot be accepted: a manager may know why
        joined = invitations.emails_with_accounts([invitation.email for invitation in page.items])
    return render_template("auth/invitations.html", form=form, page=page, joined=joined), status


@bp.route("/invitations", methods=["GET", "POST"])
@login_required
@throttle.limit_invitations
def invitations_page():
    """Invite someone, and the invitations still open (a partner: its organisation's)."""
    audit.not_found_unless(policy.can_invite(current_user))
    form = _invitation_form()
    if not form.validate_on_submit():
        return _render_invitations(form, 422 if form.errors else 200)
    role = form.role.data if isinstance(form, InvitationForm) else None
    organisation = form.organisation.data if isinstance(form, InvitationForm) else None
    try:
        invitation = invitations.invite(
            current_user, form.email.data, role, organisation, form.language.data, form.name.data
        )
    except AccountError as error:
        form.email.errors.append(str(error))
        return _render_invitations(form, 422)
    audit.record(
        "invitation_sent", target=f"invitation:{invitation.id}", detail=f"{invitation.email} ({invitation.role})"
    )
    flash(
        ngettext(
            "%(email)s is invited: the link in the email works once, for %(num)d day.",
            "%(email)s is invited: the link in the email works once, for %(num)d days.",
            invitations.lifetime_in_days(),
            email=invitation.email,
        ),
        "success",
    )
    return redirect(url_for("auth.invitations_page"))


def _managed_invitation(invitation_id: int):
    audit.not_found_unless(policy.can_invite(current_user))
    invitation = invitations.visible_invitation(current_user, invitation_id)
    audit.not_found_unless(invitation is not None, "not this person's invitation")
    return invitation


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
@login_required
@throttle.limit_invitations
def resend_invitation(invitation_id: int):
    invitation = _managed_invitation(invitation_id)
    try:
        invitations.resend(invitation)
    except AccountError as error:
        flash(str(error), "error")
    else:
        audit.record("invitation_sent", target=f"invitation:{invitation.id}", detail=f"{invitation.email} (sent again)")
        flash(
            _("The invitation of %(email)s is sent again; the earlier link no longer works.", email=invitation.email),
            "success",
        )
    return redirect(url_for("auth.invitations_page"))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(invitation_id: int):
    invitation = _managed_invitation(invitation_id)
    try:
        invitations.revoke(invitation)
    except AccountError as error:
        flash(str(error), "error")
    else:
        audit.record("invitation_revoked", target=f"invitation:{invitation.id}", detail=invitation.email)
        flash(_("The invitation of %(email)s is revoked: its link no longer works.", email=invitation.email), "success")
    return redirect(url_for("auth.invitations_page"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The invitee chooses a name, a password and a language; the account is made and signed in."""
    invitation = invitations.usable_invitation(token)
    if invitation is None:
        return _link_gone("invitation")
    form = AcceptInvitationForm(name=invitation.name, language=invitation.language)
    if form.validate_on_submit():
        try:
            user = invitations.accept(invitation, form.name.data, form.new.data, form.language.data)
        except invitations.AlreadyJoined:
            return render_template("auth/link_gone.html", kind="joined"), 409
        except AccountError as error:
            form.new.errors.append(str(error))
        else:
            audit.record("invitation_accepted", target=f"invitation:{invitation.id}", actor=user)
            sessions.sign_in(user, remember=False)
            flash(_("Welcome to Passerelle, %(name)s: your account is ready.", name=user.name), "success")
            if user.is_expert:
                return redirect(url_for("experts.my_profile"))
            return redirect(workspace_url(user))
    return render_template("auth/join.html", form=form, invitation=invitation), 422 if form.errors else 200
