"""Passerelle: case management for international cultural expertise requests.

`create_app` is the application factory: a short list of named steps.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask

from config import BASE_DIR, Config, config_from_env


def create_app(config_class: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the application for `config_class` (default: from PASSERELLE_ENV)."""
    config_class = config_class or config_from_env()
    config_class.check()
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    name_shared_state(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_inbound_checks(app)
    register_template_helpers(app)
    register_commands(app)
    register_transactions(app)
    return app


def name_shared_state(app: Flask) -> None:
    """The names this installation's keys take in a Redis it may share with others: REDIS_NAMESPACE,
    else one made from its database (the RQ worker, started with the same settings, finds the same)."""
    database = app.config["SQLALCHEMY_DATABASE_URI"].encode()
    namespace = app.config.get("REDIS_NAMESPACE") or "passerelle-" + hashlib.sha256(database).hexdigest()[:10]
    app.config.update(
        RATELIMIT_KEY_PREFIX=f"{namespace}-limits", CACHE_KEY_PREFIX=f"{namespace}:", MAIL_QUEUE=f"{namespace}-mail"
    )


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every model is known before migrations run)
    from .audit.services import init_audit
    from .auth.passwords import init_password_hasher
    from .cases import search
    from .documents.storage import init_storage
    from .extensions import babel, cache, csrf, db, limiter, login_manager, mail, migrate
    from .i18n import select_locale
    from .pool import ping_after_idle

    bound_connection_time(app)
    db.init_app(app)
    with app.app_context():
        ping_after_idle(db.engine, app.config["DATABASE_IDLE_PING_SECONDS"])
    init_audit(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), include_object=search.declared_by_models)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(BASE_DIR / "translations"))
    init_password_hasher(app)
    init_storage(app)
    mail.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)


def bound_connection_time(app: Flask) -> None:
    """PostgreSQL connections made in at most DATABASE_CONNECT_TIMEOUT seconds (unless the engine
    options already say how long)."""
    import sqlalchemy as sa

    if sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        return
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    options["connect_args"] = {
        "connect_timeout": app.config["DATABASE_CONNECT_TIMEOUT"],
        **options.get("connect_args", {}),
    }
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_transactions(app: Flask) -> None:
    """Registered last, so that the commit runs before every other after-request hook: an answer
    that replaces the view's (a 503 when the commit itself fails) still gets the security headers."""
    from .transaction import init_transactions

    init_transactions(app)


def register_blueprints(app: Flask) -> None:
    from .api import init_api
    from .audit.views import bp as audit_bp
    from .auth.views import bp as auth_bp
    from .cases.views import bp as cases_bp
    from .dashboard.views import bp as dashboard_bp
    from .documents.views import bp as documents_bp
    from .experts.views import bp as experts_bp
    from .health import bp as health_bp
    from .i18n import bp as i18n_bp
    from .notifications.views import bp as notifications_bp

    for blueprint in (
        audit_bp,
        auth_bp,
        cases_bp,
        dashboard_bp,
        documents_bp,
        experts_bp,
        health_bp,
        i18n_bp,
        notifications_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_error_handlers

    init_error_handlers(app)


def register_security(app: Flask) -> None:
    from .security import init_security

    init_security(app)


def register_inbound_checks(app: Flask) -> None:
    from .inbound import init_inbound

    init_inbound(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import init_templating

    init_templating(app)


def register_commands(app: Flask) -> None:
    from .cli import init_commands

    init_commands(app)
