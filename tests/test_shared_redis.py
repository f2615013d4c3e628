"""Two installations on one Redis (two checkouts on a machine, staging beside production) keep apart:
their sign-in and writing counters, the overview's cached figures and the mail queue carry a name of
their own, made from their database unless REDIS_NAMESPACE says otherwise. The RQ worker, started with
the same settings as its app, finds the same queue."""

from __future__ import annotations

from config import TestingConfig
from expertise_app import create_app

SHARED = ("RATELIMIT_KEY_PREFIX", "CACHE_KEY_PREFIX", "MAIL_QUEUE")


def names_of(**settings) -> tuple[str, ...]:
    app = create_app(TestingConfig, **settings)
    return tuple(app.config[name] for name in SHARED)


def test_two_databases_never_share_a_name_in_redis():
    first = names_of(SQLALCHEMY_DATABASE_URI="sqlite:////srv/ministry/passerelle.sqlite3")
    second = names_of(SQLALCHEMY_DATABASE_URI="sqlite:////srv/staging/passerelle.sqlite3")
    assert all(a != b for a, b in zip(first, second, strict=True))


def test_the_app_and_its_worker_find_the_same_names():
    url = "postgresql+psycopg://passerelle@db.internal:5432/passerelle"
    assert names_of(SQLALCHEMY_DATABASE_URI=url) == names_of(SQLALCHEMY_DATABASE_URI=url)


def test_a_namespace_given_is_used_and_the_database_s_address_is_not_shown():
    names = names_of(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u:secret@db/p", REDIS_NAMESPACE="ministry-prod")
    assert names == ("ministry-prod-limits", "ministry-prod:", "ministry-prod-mail")
    assert not any("secret" in name for name in names_of(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u:secret@db/p"))
