"""Settings from the environment, one class per environment.

`create_app()` picks the class named by `PASSERELLE_ENV` (development, testing,
production); every value can be overridden by the environment variable of the
same name. Secrets have no production default.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'passerelle.sqlite3'}"


def local_secret_key() -> str:
    """A per-checkout random key kept in instance/ (never in the repository)."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults shared by every environment."""

    @classmethod
    def check(cls) -> None:
        """Refuse to start with settings that are unsafe for this environment."""

    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_default()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection idle this long is pinged before use (expertise_app/pool.py), not every one.
    DATABASE_IDLE_PING_SECONDS = float(os.environ.get("DATABASE_IDLE_PING_SECONDS", 1))
    # Seconds a new PostgreSQL connection may take (libpq's connect_timeout; its least is 2): a
    # server that does not answer (a host down, a network cut without a reset) gets a 503 in that
    # time rather than a request waiting for TCP's own time-out, minutes later.
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", 5))
    SECRET_KEY = os.environ.get("SECRET_KEY")
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    # How long a sign-in lasts, enforced by the server (auth/sessions.py): without "keep me signed in",
    # SESSION_IDLE_MINUTES without a request or SESSION_LIFETIME_HOURS in all; with it, the remember-me
    # cookie's duration in all.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", 30))
    SESSION_LIFETIME_HOURS = int(os.environ.get("SESSION_LIFETIME_HOURS", 12))
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # The largest file that can be attached (20 MB); a request may carry that and a form's text.
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
    MAX_CONTENT_LENGTH = UPLOAD_MAX_BYTES + 1024 * 1024
    # Where links in emails point: the address people open the app at.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # Jobs (emails) go through RQ on this Redis when it is set; without it they are sent inline after the commit.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # The overview's figures are kept a minute under the version of the data they count
    # (dashboard/queries.py): in Redis when it is set, shared by every worker, else in each process.
    CACHE_TYPE = "RedisCache" if REDIS_URL else "SimpleCache"
    CACHE_REDIS_URL = REDIS_URL
    CACHE_DEFAULT_TIMEOUT = 60
    # Sign-in attempts that fail (Flask-Limiter), counted in Redis when it is set (shared by every
    # worker), else in each process; past either limit the login answers 429 with Retry-After, without
    # checking any password, until the window has passed (auth/throttle.py).
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: count in the process rather than not at all
    # No X-RateLimit-* headers (they told anyone the per-address counter) nor a Retry-After on every
    # answer of a limited page (a wrong password's 401 said "Retry-After: 900"): a 429 says it itself.
    RATELIMIT_HEADERS_ENABLED = False
    # What this installation's keys in Redis start with (limits, the overview's figures, the mail
    # queue); by default a name made from its database, so that two installations sharing one Redis
    # (two checkouts, staging beside production) never count, cache or send for each other.
    REDIS_NAMESPACE = os.environ.get("REDIS_NAMESPACE") or None
    # How many reverse proxies of ours stand in front of the app (0: none). Only then are the client's
    # address and scheme taken from X-Forwarded-For / X-Forwarded-Proto.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "30 per 15 minutes")
    # Emailed links (auth/recovery.py, auth/invitations.py): a password reset works once within the hour,
    # an invitation once within 7 days. Asking for resets is limited per email and per address (every
    # request counts, whether or not the account exists); sending invitations per inviter.
    PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES", 60))
    INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", 7))
    PASSWORD_RESETS_PER_EMAIL = os.environ.get("PASSWORD_RESETS_PER_EMAIL", "3 per hour")
    PASSWORD_RESETS_PER_ADDRESS = os.environ.get("PASSWORD_RESETS_PER_ADDRESS", "10 per hour")
    INVITATIONS_PER_INVITER = os.environ.get("INVITATIONS_PER_INVITER", "30 per hour")
    # What one person (or API token) may write on cases, pages and API together (auth/throttle.py).
    WRITES_PER_PERSON = os.environ.get("WRITES_PER_PERSON", "30 per minute;500 per hour")
    # Email (Flask-Mailman): SMTP when MAIL_SERVER is set, else each email is written to instance/mail/*.eml.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_TIMEOUT = 20
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Passerelle <passerelle@localhost>")
    MAIL_BACKEND = "smtp" if MAIL_SERVER else "expertise_app.notifications.eml.EmailBackend"
    MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH") or str(INSTANCE_DIR / "mail")
    # Service levels (cases/service_levels.py), in working days (Monday to Friday) unless said otherwise:
    # assessed after submission; the team mobilised so many calendar days before the mission starts;
    # the mission delivered with its report after its planned end; closed after the delivery.
    SERVICE_LEVELS = {
        "assessment_working_days": int(os.environ.get("SLA_ASSESSMENT_WORKING_DAYS", 15)),
        "team_days_before_mission": int(os.environ.get("SLA_TEAM_DAYS_BEFORE_MISSION", 28)),
        "report_working_days": int(os.environ.get("SLA_REPORT_WORKING_DAYS", 15)),
        "closure_working_days": int(os.environ.get("SLA_CLOSURE_WORKING_DAYS", 10)),
    }
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "fr", "ar")
    PER_PAGE = 20
    # argon2id parameters (argon2-cffi's RFC 9106 "low memory" profile by default).
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 3))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 65536))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", 4))
    # Password checks running at once on a host, all workers together (auth/passwords.py): one more
    # sign-in is answered 503 "try again in a moment" rather than taking a worker from the pages.
    PASSWORD_CHECKS_AT_ONCE = int(os.environ.get("PASSWORD_CHECKS_AT_ONCE", 1))


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            cls.SECRET_KEY = local_secret_key()


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-a-secret"  # noqa: S105 (tests only)  # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    # Tests choose their Redis and mail directory themselves (see tests/conftest.py).
    REDIS_URL = None
    RATELIMIT_STORAGE_URI = "memory://"  # emptied after each test (tests/conftest.py)
    CACHE_TYPE = "SimpleCache"  # emptied after each test with the tables (tests/conftest.py)
    MAIL_SERVER = None
    MAIL_BACKEND = "expertise_app.notifications.eml.EmailBackend"
    PUBLIC_URL = "http://passerelle.test"
    # Cheap hashes keep the suite fast; production keeps the defaults above.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production.")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("PASSERELLE_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"PASSERELLE_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.") from None
