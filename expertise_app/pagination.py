"""Pages of a list: the rows of one page, and the total only when it has to be counted."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_sqlalchemy.pagination import SelectPagination
from werkzeug.datastructures import MultiDict

from .extensions import db

MAX_PAGE = 100_000


class CountedPagination(SelectPagination):
    """Flask-SQLAlchemy's pages of a SELECT, counting the matches only when the page cannot tell.

    A page with fewer rows than it can hold is the last: the total is the rows before it and on it,
    so an expert's short list of their own work runs one query rather than two. The count, when it
    runs, reads the matching rows' ids alone, not every column of them.

    With `count_limit`, it stops there: `total` is then `count_limit` and `more` says that there are
    more matches than that (a search for a common word, whose count would read thousands of rows).
    On PostgreSQL such a count keeps the list's order, so that the planner may find its first matches
    the way it finds the page's: a common word's along the index of that order, stopping at the
    limit whatever the size of the table (the GIN index would hand over every match first: 6 ms for
    one word at 100,000 requests, 0.4 at 10,000), a rare word's from the search index. SQLite would
    sort every match instead: its count stays unordered.
    """

    more = False

    def _query_count(self) -> int:
        if len(self.items) < self.per_page and (self.items or self.page == 1):
            return self._query_offset + len(self.items)
        limit = self._query_args.get("count_limit")
        select = self._query_args["select"].with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
        session = self._query_args["session"]
        if limit is None or session.get_bind().dialect.name != "postgresql":
            select = select.order_by(None)
        ids = select.limit(limit + 1 if limit is not None else None).subquery()
        total = session.execute(sa.select(sa.func.count()).select_from(ids)).scalar_one()
        if limit is not None and total > limit:
            self.more = True
            return limit
        return total


def paginate(
    select: sa.Select, page: int, per_page: int, max_per_page: int = 100, count_limit: int | None = None
) -> CountedPagination:
    """The `page`-th page of `select`'s rows (a page past the end is empty, not an error), counted up
    to `count_limit` matches when one is given."""
    return CountedPagination(
        select=select,
        session=db.session(),
        count_limit=count_limit,
        page=page,
        per_page=per_page,
        max_per_page=max_per_page,
        error_out=False,
    )


def within_pages(page: int, total: int, per_page: int, *, past_the_end: bool = False) -> int:
    """`page`, or the last page when it is past it: a page shows the last rows there is. With
    `past_the_end` it stays as asked, and its rows are none (an API client reading pages until one is
    empty must find one)."""
    return max(1, page if past_the_end else min(page, max(1, -(-total // per_page))))


def requested_page(max_page: int = MAX_PAGE) -> int:
    """The page the address asks for (`?page=`): nonsense means the first, huge numbers stop at `max_page`."""
    return page_in(request.args, max_page)


def page_in(args: MultiDict, max_page: int = MAX_PAGE) -> int:
    """The page `args` ask for, as `requested_page` reads it."""
    return min(max(args.get("page", 1, type=int) or 1, 1), max_page)


def per_page_in(args: MultiDict, usual: int, at_most: int) -> int:
    """How many rows a page holds as `args` ask (`?per_page=`): nonsense means `usual`, too many `at_most`."""
    asked = args.get("per_page", usual, type=int) or usual
    return min(asked, at_most) if asked > 0 else usual
