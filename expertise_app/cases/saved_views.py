"""Filtered lists saved under a name: each person's own, found again above their list."""

from __future__ import annotations

from urllib.parse import parse_qsl

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from ..auth.models import User
from ..db_types import MAX_ID, hold_until_commit
from ..extensions import db
from ..pagination import page_in, per_page_in
from .models import SavedView
from .queries import LIST_MAX_PER_PAGE, LIST_PER_PAGE, CaseFilters

MAX_VIEWS = 30  # per person: a row of tabs, not a second list


class TooManyViews(Exception):
    pass


# Built once (every list page runs it).
_VIEWS_OF = sa.select(SavedView).where(SavedView.user_id == sa.bindparam("user_id")).order_by(SavedView.name)


def views_of(user: User) -> list[SavedView]:
    return list(db.session.scalars(_VIEWS_OF, {"user_id": user.id}))


def filters_of(query: str) -> CaseFilters:
    """The filters a list's query string asks for, known ones only (a saved view, a case's list)."""
    return CaseFilters.from_args(MultiDict(parse_qsl(query or "", keep_blank_values=False)))


def place_of(query: str) -> tuple[int, int, int | None]:
    """Where a case's `?list=` says it was shown: the page (the first if it says nothing sensible), how
    many requests that page held, and the case's row on it (None if it does not say)."""
    args = MultiDict(parse_qsl(query or ""))
    per_page = per_page_in(args, LIST_PER_PAGE, LIST_MAX_PER_PAGE)
    row = args.get("row", type=int)
    return page_in(args), per_page, row if row is not None and 1 <= row <= per_page else None


def save(user: User, name: str, filters: CaseFilters) -> tuple[SavedView, bool]:
    """Keep `filters` under `name`; saving a name again replaces what it held (sent twice, even at the
    same moment: saved once). The view, and whether it replaced another list kept under that name.

    Saves of one person are checked one after the other (several tabs saving at once would each count
    the views before any is written, and together pass the limit)."""
    hold_until_commit(f"saved-views:{user.id}", User.active, user.id)
    view = _named(user, name)
    replaced = view is not None and view.query != filters.query_string
    if view is None:
        if db.session.scalar(sa.select(sa.func.count()).where(SavedView.user_id == user.id)) >= MAX_VIEWS:
            raise TooManyViews
        try:
            with db.session.begin_nested():
                view = SavedView(user_id=user.id, name=name, query=filters.query_string)
                db.session.add(view)
        except sa.exc.IntegrityError:  # a defence: the lock above already lets the first of two saves of a name win
            view = _named(user, name)
    view.query = filters.query_string
    db.session.flush()
    return view, replaced


def same_list_as(user: User, view: SavedView) -> SavedView | None:
    """Another of `user`'s views that shows the list `view` shows, under another name, if one does."""
    return db.session.scalar(
        sa.select(SavedView)
        .where(SavedView.user_id == user.id, SavedView.query == view.query, SavedView.id != view.id)
        .order_by(SavedView.name)
        .limit(1)
    )


def _named(user: User, name: str) -> SavedView | None:
    return db.session.scalar(sa.select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name))


def view_of(user: User, view_id: int) -> SavedView | None:
    """One of `user`'s views; another person's, or a number no view can have, is None."""
    if not 0 < view_id <= MAX_ID:
        return None
    return db.session.scalar(sa.select(SavedView).where(SavedView.id == view_id, SavedView.user_id == user.id))


def delete(user: User, view_id: int) -> bool:
    """Forget one of `user`'s views; another person's, or a number no view can have, is not found."""
    view = view_of(user, view_id)
    if view is None:
        return False
    db.session.delete(view)
    db.session.flush()
    return True
