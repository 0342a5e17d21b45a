"""Configuration classes; everything an operator sets comes from the environment."""
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL") or default
    # Heroku-style URLs name the old driver; Ecole uses psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _trusted_hosts(base_url: str, *, development: bool) -> list[str] | None:
    """The Host headers Ecole answers (Flask's TRUSTED_HOSTS; any other gets 400): the host of
    ECOLE_BASE_URL, the names listed in ECOLE_TRUSTED_HOSTS (comma-separated; `.example.org` also
    accepts its subdomains) and, in development, localhost and the address `make run` serves (HOST).
    A page built for a forged Host (links, cached pages) would otherwise reach other visitors."""
    hosts = [urlsplit(base_url).hostname or ""]
    hosts += [name.strip() for name in os.environ.get("ECOLE_TRUSTED_HOSTS", "").split(",")]
    if development:
        served = os.environ.get("HOST", "127.0.0.1")
        if served in ("0.0.0.0", "::"):
            # Serving on every interface (a school's local network): the machine's addresses are
            # not known here. List them in ECOLE_TRUSTED_HOSTS to have them checked.
            return None if not os.environ.get("ECOLE_TRUSTED_HOSTS") else _unique(hosts + ["localhost", "127.0.0.1"])
        hosts += ["localhost", "127.0.0.1", served]
    return _unique(hosts)


def _unique(hosts: list[str]) -> list[str]:
    return list(dict.fromkeys(host for host in hosts if host))


def base_url(environ) -> str:
    """ECOLE_BASE_URL, else the address `make run` serves on (it passes HOST and PORT): QR codes,
    calendar files and handouts must point where the school's server answers."""
    if environ.get("ECOLE_BASE_URL"):
        return environ["ECOLE_BASE_URL"].rstrip("/")
    host = environ.get("HOST") or "127.0.0.1"
    port = environ.get("PORT") or "5000"
    if host in ("0.0.0.0", "::"):  # every interface: this machine is the one address sure to answer
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}"


class Config:
    ECOLE_ENV = "development"  # which of CONFIGS this is: `flask ecole demo` refuses "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{ROOT / 'instance' / 'ecole.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Files: a folder by default (ECOLE_STORAGE_DIR); ECOLE_STORAGE_URL=s3://bucket/prefix puts them
    # in S3-compatible object storage (see ecole/core/storage.py).
    STORAGE_DIR = os.environ.get("ECOLE_STORAGE_DIR", str(ROOT / "instance" / "storage"))
    # The school's signing keys for certificates (ecole/certificates/keys.py): files, never in the
    # database or the stored files (so never in a backup in clear); ECOLE_SIGNING_KEY_PASSPHRASE encrypts them.
    SIGNING_KEYS_DIR = os.environ.get("ECOLE_SIGNING_KEYS_DIR", str(ROOT / "instance" / "keys"))
    STORAGE_URL = os.environ.get("ECOLE_STORAGE_URL", "")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    S3_REGION = os.environ.get("AWS_DEFAULT_REGION", "")
    COURSES_DIR = os.environ.get("ECOLE_COURSES_DIR", str(ROOT / "courses"))
    BASE_URL = base_url(os.environ)
    TRUSTED_HOSTS = _trusted_hosts(BASE_URL, development=True)
    # Scans of signed sign-in sheets (ecole/attendance/scans.py): a phone photo or a scanned PDF.
    SCAN_MAX_BYTES = int(os.environ.get("ECOLE_SCAN_MAX_BYTES", str(12 * 1024 * 1024)))
    SCAN_MAX_PIXELS = 60_000_000  # a photo's pixels, read from its header before decoding (bombs)
    SCAN_MAX_PAGES = 20
    # A request may carry one scan and its form; anything bigger is refused before it is read (413).
    MAX_CONTENT_LENGTH = SCAN_MAX_BYTES + 1024 * 1024

    # Languages: French first; Arabic right-to-left; Standard Moroccan Tamazight in Tifinagh.
    LANGUAGES = ("fr", "ar", "zgh")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Africa/Casablanca"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)

    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: trainees keep pages open for hours

    # Rate limits are counted in a store that every process sees: Redis when REDIS_URL is set
    # (shared between servers), else a SQLite file in the instance folder (shared by the
    # processes of one machine; ecole/core/ratelimit.py). RATELIMIT_STORAGE_URI overrides both.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or None
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = os.environ.get("ECOLE_LOGIN_RATE_LIMIT", "10 per minute")
    # Public handouts are printed once per version and then served from a file; the limit keeps a
    # script from tying up the workers anyway.
    HANDOUT_RATE_LIMIT = os.environ.get("ECOLE_HANDOUT_RATE_LIMIT", "30 per minute")
    # The public verification of certificates: enough for a commune checking a pile, not for guessing codes.
    VERIFY_RATE_LIMIT = os.environ.get("ECOLE_VERIFY_RATE_LIMIT", "60 per minute")
    CERTIFICATE_CHECK_MAX_BYTES = 5 * 1024 * 1024  # "check a file": a certificate is ~100 KB
    # A person's data (ecole/privacy/): downloads per account (a PDF takes a moment to print).
    PERSONAL_DATA_RATE_LIMIT = os.environ.get("ECOLE_PERSONAL_DATA_RATE_LIMIT", "10 per hour")

    # Background jobs (ecole/jobs/): a SQLite queue file by default, Redis when REDIS_URL is set.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    JOBS_IMMEDIATE = False  # True runs every job inline, at commit (the tests)
    JOBS_SQLITE_FILE = os.environ.get("ECOLE_JOBS_FILE", str(ROOT / "instance" / "jobs.sqlite3"))
    # A worker holds a running job for this long; past it, the job is taken to be lost and re-run.
    JOBS_LEASE_SECONDS = float(os.environ.get("ECOLE_JOBS_LEASE_SECONDS", "300"))
    JOBS_RETRY_BASE_SECONDS = float(os.environ.get("ECOLE_JOBS_RETRY_SECONDS", "30"))
    JOBS_RETRY_MAX_SECONDS = 3600
    JOBS_MAX_ATTEMPTS = 5
    # A queued job not picked up for this long is handed to the queue again (its message was lost:
    # a worker died after taking it from the queue and before claiming the job).
    JOBS_REQUEUE_AFTER_SECONDS = float(os.environ.get("ECOLE_JOBS_REQUEUE_SECONDS", "300"))

    # Mail: without MAIL_SERVER, messages are written to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") in ("1", "true", "yes")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "ecole@localhost")
    # Without MAIL_SERVER, whether the log gets a message's body (its one-time codes and links) too:
    # yes on a developer's machine, never in production (ProductionConfig).
    MAIL_LOG_BODY = True

    # Pages kept whole until the database changes (ecole/core/cache.py `cached_page`); off only to
    # measure what rendering them costs (`python -m benchmarks --no-page-cache`).
    PAGE_CACHE = os.environ.get("ECOLE_PAGE_CACHE", "1") != "0"

    RESET_CODE_TTL = timedelta(hours=48)
    PAGE_SIZE = 20

    # Running behind nginx (deploy/): how many proxies in front set X-Forwarded-For/-Proto/-Host. 0
    # ignores those headers: trusted without a proxy, they would let anyone choose the address the
    # rate limits count and /metrics checks.
    PROXY_HOPS = int(os.environ.get("ECOLE_PROXY_HOPS", "0"))
    # Logs (ecole/core/logs.py): "text" lines, or "json" objects with the request's id; ACCESS_LOG
    # writes one line per request (the development server writes its own).
    LOG_FORMAT = os.environ.get("ECOLE_LOG_FORMAT", "text")
    ACCESS_LOG = os.environ.get("ECOLE_ACCESS_LOG", "0") in ("1", "true", "yes")
    # Who may read /metrics (ecole/core/metrics.py): addresses and networks, comma-separated.
    METRICS_ALLOWED = os.environ.get("ECOLE_METRICS_ALLOWED", "127.0.0.1,::1")


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    ECOLE_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://")
    LOGIN_RATE_LIMIT = "10000 per minute"  # the rate-limit tests set the real limit for themselves
    HANDOUT_RATE_LIMIT = "10000 per minute"
    VERIFY_RATE_LIMIT = "10000 per minute"
    PERSONAL_DATA_RATE_LIMIT = "10000 per minute"
    # Apps that tests make must not share a file between test processes (tests/conftest.py gives the
    # suite's app a SQLite file of its own).
    RATELIMIT_STORAGE_URI = "memory://"
    JOBS_IMMEDIATE = True  # jobs run inline when the transaction commits
    # An inline job takes a connection of its own while its request still holds one: the tests
    # that send 15 requests at once need twice the default pool.
    SQLALCHEMY_ENGINE_OPTIONS = {**Config.SQLALCHEMY_ENGINE_OPTIONS, "pool_size": 20, "max_overflow": 20}
    PASSWORD_HASH_FAST = True  # cheap Argon2 parameters: the suite hashes hundreds of passwords


class ProductionConfig(Config):
    ECOLE_ENV = "production"
    TRUSTED_HOSTS = _trusted_hosts(Config.BASE_URL, development=False)
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    PROXY_HOPS = int(os.environ.get("ECOLE_PROXY_HOPS", "1"))  # nginx, as deploy/ sets it up
    LOG_FORMAT = os.environ.get("ECOLE_LOG_FORMAT", "json")
    MAIL_LOG_BODY = False  # the logs are read by more people than the mail: no code or link goes there
    # The access log is nginx's (deploy/nginx/ecole.conf: JSON lines with the same request id); the
    # app's own line per request costs a third of a kept page's time (ECOLE_ACCESS_LOG=1 adds it).

    @classmethod
    def check(cls) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set when ECOLE_ENV=production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    return CONFIGS.get(os.environ.get("ECOLE_ENV", "development"), DevelopmentConfig)
