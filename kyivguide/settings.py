"""KyivGuide settings: one module, every value from the environment.

Development defaults work on a fresh machine of this project (PostgreSQL and Redis on 127.0.0.1).
With DEBUG off, secrets and hosts must be given explicitly; a malformed value stops start-up with a
one-line message naming the variable (see kyivguide.env).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from kyivguide.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_datetime,
    env_float,
    env_int,
    env_list,
    env_rate,
    env_str,
    parse_database_url,
)
from shelters.schedule import beat_schedule as shelters_beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -----------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)

_secret_key = env_str("SECRET_KEY")
if _secret_key is None:
    if not DEBUG:
        raise ConfigError("SECRET_KEY must be set when DEBUG is off")
    _secret_key = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - DEBUG only
SECRET_KEY = _secret_key

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ConfigError("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names)")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

PORT = env_int("PORT", 8000, minimum=1, maximum=65535)

# Seed data for `make run` and for the tests that use real public data (../shared/data).
_default_seed = BASE_DIR.parent / "shared" / "data"
_seed = env_str("SEED_DATA_DIR")
SEED_DATA_DIR: Path | None = Path(_seed) if _seed else (_default_seed if _default_seed.is_dir() else None)

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it must come before django.contrib.admin.
    "modeltranslation",
    # Django's admin with the staff second factor as its default site (kyivguide/staff_auth.py).
    "kyivguide.admin_apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "django_celery_beat",
    # Their own configs under translated names (kyivguide/app_names.py).
    "kyivguide.app_names.AxesConfig",
    "django_otp",
    "kyivguide.app_names.OTPTOTPConfig",
    "kyivguide.app_names.OTPStaticConfig",
    "csp",
    "kyivguide",
    "alerts",
    "shelters",
    "push",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kyivguide.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers leave gunicorn compressed when the client accepts it, and the edge always asks:
    # nginx's cache keeps one gzip copy per URL and sends phones (which all accept gzip) those bytes,
    # instead of compressing a 60 KB home page again for every request (1,200 req/s on this machine
    # against 12,000 for stored bytes). WhiteNoise above serves its own pre-compressed static files.
    "django.middleware.gzip.GZipMiddleware",
    # After WhiteNoise: static files are no documents and need no policy.
    "csp.middleware.CSPMiddleware",
    # Before SessionMiddleware: the language comes from the URL only, so public pages never touch
    # the session and stay cacheable (no `Vary: Cookie`).
    "kyivguide.middleware.PathLocaleMiddleware",
    # Outside the session and CSRF middleware, to see their cookies: those responses become private.
    "kyivguide.http.SessionPrivateMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "kyivguide.staff_auth.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view that cannot reach PostgreSQL answers a friendly 503 (the status answers from Redis).
    "kyivguide.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kyivguide.urls"
WSGI_APPLICATION = "kyivguide.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kyivguide.context_processors.site",
                "push.context_processors.push",
            ],
        },
    },
]

# --- Database (PostgreSQL + PostGIS) ---------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", "postgis://root@127.0.0.1:5432/kyivguide")
DATABASES = {"default": parse_database_url("DATABASE_URL", DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", "3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, status snapshot ---------------------------------------------------

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ConfigError(f"REDIS_URL must start with redis://, rediss:// or unix://, got {REDIS_URL!r}")
# Every key this deployment writes to Redis starts with this prefix (tests use their own).
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "kyivguide")
# Fail fast instead of hanging a request when Redis is away: callers fall back to the database.
REDIS_SOCKET_TIMEOUT = 1.0

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "TIMEOUT": 300,
        "OPTIONS": {
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
        },
    }
}

# --- Celery ------------------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "kyivguide")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Tasks change state, so a task is acknowledged only once it has finished, and a task whose worker
# died is redelivered. Every task must therefore be idempotent (they are: see each task).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=2)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ConfigError("CELERY_TASK_TIME_LIMIT must be greater than CELERY_TASK_SOFT_TIME_LIMIT")
# With acks_late on Redis, a task not acknowledged within the visibility timeout is delivered
# again. It must exceed the longest a task may run (the hard time limit) with room to spare, and
# the broker and the result backend must agree on it.
# Settable (CELERY_VISIBILITY_TIMEOUT) so that the killed-worker test need not wait 20 minutes.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 4 * CELERY_TASK_TIME_LIMIT, minimum=2)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ConfigError("CELERY_VISIBILITY_TIMEOUT must be greater than CELERY_TASK_TIME_LIMIT")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A lost Redis is waited for, however long it is away (Celery gives up after 100 attempts by
# default, and a worker that gave up would need a restart to poll again).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Polls run every few seconds: beat must wake at least that often.
CELERY_BEAT_MAX_LOOP_INTERVAL = 1
# Periodic tasks: the alert polls and the advisory sweep below, the shelter import from shelters.schedule.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}

# --- Alerts: upstream feeds and the freshness rule ------------------------------------------------------

# A source is enabled when its credentials are set (the replay: when its CSV is set). Tokens are read
# here only; they never reach the database or a browser.
ALERTS_IN_UA_BASE_URL = env_str("ALERTS_IN_UA_BASE_URL", "https://api.alerts.in.ua/v1/")
ALERTS_IN_UA_TOKEN = env_str("ALERTS_IN_UA_TOKEN")
UKRAINEALARM_BASE_URL = env_str("UKRAINEALARM_BASE_URL", "https://api.ukrainealarm.com/api/v3/")
UKRAINEALARM_API_KEY = env_str("UKRAINEALARM_API_KEY")
# The ukrainealarm webhook (POST /hooks/ukrainealarm/<secret>): the path's secret. Unset, there is no
# webhook (404); set, a call only asks for an immediate poll of that feed (its body is never trusted).
UKRAINEALARM_WEBHOOK_SECRET = env_str("UKRAINEALARM_WEBHOOK_SECRET", "")
if UKRAINEALARM_WEBHOOK_SECRET and not re.fullmatch(r"[A-Za-z0-9_-]{24,200}", UKRAINEALARM_WEBHOOK_SECRET):
    raise ConfigError(
        "UKRAINEALARM_WEBHOOK_SECRET must be 24 to 200 URL-safe characters (A-Z a-z 0-9 _ -), "
        "e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
    )
REPLAY_SIRENS_CSV = env_str("REPLAY_SIRENS_CSV")
REPLAY_START = env_datetime("REPLAY_START", "2022-10-10T03:00:00Z")
REPLAY_SPEED = env_float("REPLAY_SPEED", 1.0, minimum=0.001)
# Poll interval per source: alerts.in.ua allows about 8-10 requests a minute; ukrainealarm's change
# counter is cheap and meant to be polled often; the replay reads a local file. ALERT_POLL_SECONDS
# overrides every source (e.g. 2 in tests and drills).
ALERT_POLL_SECONDS = env_int("ALERT_POLL_SECONDS", 0, minimum=0) or None
ALERT_FEED_INTERVALS = {
    name: ALERT_POLL_SECONDS or default
    for name, default in {"alerts_in_ua": 10, "ukrainealarm": 5, "replay": 5}.items()
}
ALERT_FEED_ENABLED = {
    "alerts_in_ua": bool(ALERTS_IN_UA_TOKEN),
    "ukrainealarm": bool(UKRAINEALARM_API_KEY),
    "replay": bool(REPLAY_SIRENS_CSV),
}
# Where the replay finds the region hierarchy that maps the file's names to ids.
REPLAY_HIERARCHY_JSON = env_str("REPLAY_HIERARCHY_JSON")
ALERT_HTTP_CONNECT_TIMEOUT = env_float("ALERT_HTTP_CONNECT_TIMEOUT", 2.0, minimum=0.1)
ALERT_HTTP_READ_TIMEOUT = env_float("ALERT_HTTP_READ_TIMEOUT", 3.0, minimum=0.1)
# Freshness of the newest successful poll: fresh up to ALERT_FRESH_SECONDS, "may be delayed" up to
# ALERT_UNKNOWN_SECONDS, then unknown. "All clear" is never said with unknown freshness.
ALERT_FRESH_SECONDS = env_int("ALERT_FRESH_SECONDS", 30, minimum=1)
ALERT_UNKNOWN_SECONDS = env_int("ALERT_UNKNOWN_SECONDS", 120, minimum=1)
# The caches each web process keeps (kyivguide/local_cache.py): how long it reuses the status
# snapshot it read from Redis (freshness is always live), and two switches, for measuring or ruling
# them out: one second's status response shared by that second's requests, and the region picker.
STATUS_CACHE_SECONDS = env_float("STATUS_CACHE_SECONDS", 1.0, minimum=0.0)
STATUS_RESPONSE_CACHE = env_bool("STATUS_RESPONSE_CACHE", True)
REGION_PICKER_CACHE = env_bool("REGION_PICKER_CACHE", True)
# "Where am I": the raion and hromada polygons are coarse (small gaps and overlaps between
# neighbours; see ../shared/data/README.md). A person is taken to be possibly in every region within
# their position's accuracy plus this many metres, and a point in a gap falls back to the nearest
# polygon that close.
LOCATE_EDGE_TOLERANCE_M = env_int("LOCATE_EDGE_TOLERANCE_M", 200, minimum=0, maximum=5000)
if ALERT_UNKNOWN_SECONDS < ALERT_FRESH_SECONDS:
    raise ConfigError("ALERT_UNKNOWN_SECONDS must not be less than ALERT_FRESH_SECONDS")
# Web Push (push/): the VAPID key pair (base64url, `manage.py vapid_keys` makes one) and the contact
# the push services see (`mailto:` or https). Without keys nobody can subscribe and nothing is sent.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:admin@localhost")
# What py-vapid accepts as `sub`: a mail address, or an https origin without a path.
if not re.fullmatch(r"mailto:[^@\s]+@[\w.%-]+|https://[\w.-]+", VAPID_SUBJECT):
    raise ConfigError("VAPID_SUBJECT must be mailto:<address> or https://<host> (no path)")
# Only the tests' local push service is plain http on 127.0.0.1; real push services are https.
PUSH_ALLOW_HTTP_LOCALHOST = env_bool("PUSH_ALLOW_HTTP_LOCALHOST", False)
# How many subscriptions one send task handles (one HTTP connection pool each), how many of its POSTs are
# in flight at once (claimed together: a killed worker repeats at most that many), and for how long a push
# service keeps a notification for a phone that is offline: a start long enough to reach a phone that was
# away for a few minutes, an "all clear" shorter (an old one is worth less, a newer start replaces it).
PUSH_CHUNK_SIZE = env_int("PUSH_CHUNK_SIZE", 200, minimum=1, maximum=5000)
PUSH_SEND_CONCURRENCY = env_int("PUSH_SEND_CONCURRENCY", 50, minimum=1, maximum=500)
PUSH_TTL_START_SECONDS = env_int("PUSH_TTL_START_SECONDS", 1800, minimum=0, maximum=86400)
PUSH_TTL_END_SECONDS = env_int("PUSH_TTL_END_SECONDS", 600, minimum=0, maximum=86400)
PUSH_MAX_ATTEMPTS = env_int("PUSH_MAX_ATTEMPTS", 5, minimum=1, maximum=20)
# A delivery claimed (`sending`) longer ago than this belongs to a worker that died: it is sent again.
# A live worker holds a claim for one batch of concurrent POSTs (10 s at most each), so this must be
# longer than that; the README's "Push: a killed worker" says why a rare duplicate is accepted.
PUSH_CLAIM_STALE_SECONDS = env_int("PUSH_CLAIM_STALE_SECONDS", 60, minimum=1, maximum=3600)
# Push events and their delivery rows (one per subscription) older than this are deleted, hourly: the
# operations page shows the recent ones, and at a million subscriptions a day of ten alerts is 20 million rows.
PUSH_RETENTION_DAYS = env_int("PUSH_RETENTION_DAYS", 7, minimum=1, maximum=365)
CELERY_BEAT_SCHEDULE["push.prune"] = {"task": "push.prune", "schedule": 3600.0, "options": {"expires": 3600.0}}
# One periodic poll per enabled source. `expires`: a poll that could not start within its interval
# is dropped, not queued behind the next one (a backlog of stale polls helps nobody).
CELERY_BEAT_SCHEDULE.update(
    {
        f"poll-{name}": {
            "task": "alerts.poll_feed",
            "schedule": float(interval),
            "args": [name],
            "options": {"expires": float(interval)},
        }
        for name, interval in ALERT_FEED_INTERVALS.items()
        if ALERT_FEED_ENABLED[name]
    }
)

# --- Advisories: CAP output and the expiry sweep ------------------------------------------------------

# CAP 1.2 `sender`: who publishes the CAP messages (an address or domain that is ours, unique to this
# deployment); identifiers are "<CAP_IDENTIFIER_PREFIX>-advisory-<id>". CAP forbids spaces, commas and
# the characters < and & in both.
CAP_SENDER = env_str("CAP_SENDER", "kyivguide@localhost")
CAP_IDENTIFIER_PREFIX = env_str("CAP_IDENTIFIER_PREFIX", "kyivguide")
for _name, _value in (("CAP_SENDER", CAP_SENDER), ("CAP_IDENTIFIER_PREFIX", CAP_IDENTIFIER_PREFIX)):
    if any(char.isspace() or char in ",<&" for char in _value):
        raise ConfigError(f"{_name} must not contain spaces, commas, < or &, got {_value!r}")
# How often the periodic sweep checks that the status snapshot holds exactly the advisories in force:
# an expiry or a future start shows within this many seconds (plus the task's own latency).
ADVISORY_REFRESH_SECONDS = env_int("ADVISORY_REFRESH_SECONDS", 30, minimum=5, maximum=60)
# The operations page's worker heartbeat (kyivguide.tasks.heartbeat).
CELERY_BEAT_SCHEDULE["kyivguide.heartbeat"] = {
    "task": "kyivguide.heartbeat",
    "schedule": 15.0,
    "options": {"expires": 15.0},
}
CELERY_BEAT_SCHEDULE["alerts.refresh_advisories"] = {
    "task": "alerts.refresh_advisories",
    "schedule": float(ADVISORY_REFRESH_SECONDS),
    # A sweep that waited longer than its interval is superseded by the next one.
    "options": {"expires": float(ADVISORY_REFRESH_SECONDS)},
}

# --- Internationalisation -----------------------------------------------------------------------------

LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Ukrainian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Kyiv"
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "uk"
MODELTRANSLATION_LANGUAGES = ("uk", "en")
# An English reader gets the Ukrainian text rather than nothing when no translation exists yet.
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("uk",), "uk": ("en",)}

# --- Static files ---------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600
# A static file missing from the manifest (collected under another DEBUG setting) is served by its
# plain name rather than turning every page into a 500.
WHITENOISE_MANIFEST_STRICT = False

# --- Security ---------------------------------------------------------------------------------------

# HTTPS=1 when served over TLS (behind a proxy that sets X-Forwarded-Proto).
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    # Every subdomain of a shelter service's domain is ours and HTTPS-only; preload makes the very
    # first visit safe too. Both can be turned off for a domain shared with plain-HTTP services.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Off only when the proxy in front already redirects plain HTTP (then the app never sees it).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Orchestrators probe the process directly over plain HTTP, without the proxy's header.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Headers on every response (kyivguide.security adds Permissions-Policy). No referrer leaves the
# site: URLs of the nearest search and the region lookup carry the visitor's position.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Where the admin lives (under each language prefix): a path of its own makes it no target for
# scans of /admin/. Relative, one or more segments each ending in "/".
ADMIN_URL = env_str("ADMIN_URL", "admin/")
if not re.fullmatch(r"(?:[A-Za-z0-9._~-]+/)+", ADMIN_URL) or any(
    segment in {".", ".."} for segment in ADMIN_URL.split("/")
):
    raise ConfigError(f"ADMIN_URL must be a relative path ending in '/', e.g. staff-7f3a/, got {ADMIN_URL!r}")
if ADMIN_URL.split("/", 1)[0] in {code for code, _ in LANGUAGES}:
    raise ConfigError(f"ADMIN_URL must not start with a language prefix, got {ADMIN_URL!r}")

# Sign-in lockout (django-axes): after ADMIN_LOGIN_FAILURE_LIMIT failed sign-ins for one user name,
# or from one address, further attempts by that user or from that address are refused (429) for
# ADMIN_LOCKOUT_MINUTES. Counted apart, so that guessing one account from many addresses and many
# accounts from one address are both stopped.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ADMIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "kyivguide.security.client_ip"
# How many proxies in front append to X-Forwarded-For; the client is the address the outermost of
# ours saw. HTTPS=1 means one proxy (see above); 0 trusts no header at all.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if HTTPS else 0, minimum=0)

# --- Shelter reports (anonymous) ------------------------------------------------------------------------

# The reporter's address is kept only as HMAC(REPORT_HASH_SECRET, Kyiv date + address): the date
# rotates the salt daily, so one person's reports of different days cannot be linked.
REPORT_HASH_SECRET = env_str("REPORT_HASH_SECRET", SECRET_KEY)
# One report per shelter per client per REPORT_INTERVAL_MINUTES; REPORT_DAILY_LIMIT per client per
# Kyiv day; both answered 429 with Retry-After.
REPORT_INTERVAL_MINUTES = env_int("REPORT_INTERVAL_MINUTES", 10, minimum=1)
REPORT_DAILY_LIMIT = env_int("REPORT_DAILY_LIMIT", 20, minimum=1)
# How long unconfirmed "locked"/"closed" reports are shown, and count as "reported locked" for
# the nearest search's "open now".
REPORT_RECENT_MINUTES = env_int("REPORT_RECENT_MINUTES", 180, minimum=5)

# Staff sign-in (kyivguide/staff_auth.py): every staff account has a second factor (TOTP, with
# one-time recovery codes); a staff session unused for STAFF_IDLE_MINUTES is ended.
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30, minimum=1)
OTP_TOTP_ISSUER = "KyivGuide"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- REST API -------------------------------------------------------------------------------------------

# Requests per client address (kyivguide.throttling): "N/s", "N/min", "N/hour" or "N/day". Reads are
# every GET of the API, writes every other method; a phone on the pages uses a few reads a minute.
API_THROTTLE_READS = env_rate("API_THROTTLE_READS", "120/min")
API_THROTTLE_WRITES = env_rate("API_THROTTLE_WRITES", "20/min")
# The scopes of kyivguide.throttling.ClientRateThrottle; CSP reports have a budget of their own, so
# a page that trips the policy never uses up its visitor's writes.
# The ukrainealarm webhook's calls (per calling address): the upstream calls on every change, and a
# call beyond the rate loses nothing (polling goes on; a poll already asked for sees every change).
API_THROTTLE_WEBHOOK = env_rate("API_THROTTLE_WEBHOOK", "120/min")
API_THROTTLE_RATES = {
    "read": API_THROTTLE_READS,
    "write": API_THROTTLE_WRITES,
    "csp-report": API_THROTTLE_WRITES,
    "webhook": API_THROTTLE_WEBHOOK,
}

REST_FRAMEWORK = {
    # The public API is anonymous: no session, no cookie, so responses stay cacheable.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["kyivguide.parsers.TranslatedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kyivguide.api.exception_handler",
    # Bounded page size, and a 400 for a bad limit/offset (DRF's own paginator takes any integer).
    "DEFAULT_PAGINATION_CLASS": "kyivguide.api.BoundedPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": ["kyivguide.throttling.ClientRateThrottle"],
    # What DRF's own get_ident would use; ClientRateThrottle counts by kyivguide.security.client_ip.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "KyivGuide API",
    "DESCRIPTION": (
        "Air-alert status, alert regions, shelters and official advisories for Kyiv and Ukraine. "
        "Errors are JSON objects with `error` (a code) and `message`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: the docs work without any CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would send the schema's URL to swagger.io's online validator for a badge (an image
    # the Content-Security-Policy refuses anyway): off.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": "none"},
    # The kinds of place appear in the nearest results and the shelter detail: one named enum.
    "ENUM_NAME_OVERRIDES": {
        "ShelterKindEnum": "shelters.models.ShelterKind",
        "RegionKindEnum": "alerts.choices.RegionKind",
        "AlertKindEnum": "alerts.choices.AlertKind",
        "ReportKindEnum": "shelters.models.ReportKind",
    },
    # drf-spectacular's own hook (named enums), then the 429 of every throttled operation.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "kyivguide.api.document_throttling"],
}

# --- Maps -----------------------------------------------------------------------------------------------

MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (50.4501, 30.5234),
    "DEFAULT_ZOOM": 11,
    "MIN_ZOOM": 5,
    "MAX_ZOOM": 19,
    "TILES": [("OpenStreetMap", MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION})],
    "RESET_VIEW": False,
}

# --- Content-Security-Policy (django-csp) --------------------------------------------------------------

# The map's tiles are the only thing a page loads from another origin.
_tiles = urlsplit(MAP_TILE_URL.replace("{s}", "a"))
if _tiles.scheme not in ("http", "https") or not _tiles.netloc:
    raise ConfigError(f"MAP_TILE_URL must be an http(s) URL template, got {MAP_TILE_URL!r}")
# A tile URL with a {s} subdomain placeholder loads from every subdomain of its host.
MAP_TILE_ORIGIN = f"{_tiles.scheme}://" + (
    "*." + _tiles.netloc.split(".", 1)[1] if "{s}" in MAP_TILE_URL.split("/")[2] else _tiles.netloc
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # No inline code, no eval: scripts and styles come from our origin only; NONCE adds a
        # per-response nonce only to the responses whose template used one (the admin's map widget,
        # the API docs), so the public pages keep one constant header and stay cacheable.
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: images: Leaflet blanks a removed tile with a data: GIF, Swagger UI's and the admin's
        # stylesheets draw icons as data: SVGs. An image cannot run code.
        "img-src": [SELF, "data:", MAP_TILE_ORIGIN],
        "connect-src": [SELF],
        "font-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": "/csp-report",
    },
}

# --- Shelters (shelters app) ----------------------------------------------------------------------------

# The city's live shelter layer (GeoJSON or CSV), imported periodically when set; e.g. the ArcGIS
# query …/Public_protection/MapServer/0/query?where=1%3D1&outFields=*&outSR=4326&f=geojson.
SHELTERS_SOURCE_URL = env_str("SHELTERS_SOURCE_URL")
if SHELTERS_SOURCE_URL is not None and not SHELTERS_SOURCE_URL.startswith(("http://", "https://")):
    raise ConfigError(f"SHELTERS_SOURCE_URL must be an http(s) URL, got {SHELTERS_SOURCE_URL!r}")
SHELTERS_SOURCE_NAME = env_str("SHELTERS_SOURCE_NAME", "kmda_live")
SHELTERS_IMPORT_INTERVAL_S = env_int("SHELTERS_IMPORT_INTERVAL_S", 6 * 3600, minimum=60)
SHELTERS_DOWNLOAD_TIMEOUT_S = env_int("SHELTERS_DOWNLOAD_TIMEOUT_S", 60, minimum=1)
# Bad files (shelters/importing/readers.py): a file or download larger than this is refused before it
# is parsed (the city's 2022 GeoJSON is 2.5 MB), and a run stops, writing nothing, past this many
# rejected rows (the 2024 export without coordinates has 4,382, all reported).
SHELTERS_IMPORT_MAX_MB = env_int("SHELTERS_IMPORT_MAX_MB", 50, minimum=1)
SHELTERS_IMPORT_MAX_REJECTED = env_int("SHELTERS_IMPORT_MAX_REJECTED", 10_000, minimum=0)

CELERY_BEAT_SCHEDULE.update(
    shelters_beat_schedule(source_url=SHELTERS_SOURCE_URL, interval_s=SHELTERS_IMPORT_INTERVAL_S)
)

# --- Logging ------------------------------------------------------------------------------------------

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOG_FORMAT = env_choice("LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "kyivguide.logformat.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
    },
    "filters": {"redact": {"()": "kyivguide.logformat.RedactSecrets"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own console handler would print every record a second time.
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
        # django-axes announces itself at every start of every process (manage.py commands too);
        # its lockout and failed sign-in records come from its other loggers.
        "axes.apps": {"level": "WARNING"},
        # urllib3's DEBUG lines name each request's URL, and a push subscription's endpoint is a secret.
        "urllib3": {"level": "INFO"},
    },
}

# GDAL 3.6 (Debian 12) cannot block file/network access from spatial references. KyivGuide never
# builds a spatial reference from user input (it only reads WGS84 points and polygons from files
# staff import), so the warning does not apply.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Benchmarks only: exposes /_bench/constant, the minimal Django view that API throughput is compared
# with. Never enable it in production.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)

# --- The edge (nginx in front of gunicorn: deploy/nginx.conf, kyivguide/edge.py) ----------------------

# How long nginx keeps a public answer (the micro-cache), and its request limits per client address:
# the API per second, writes (any method but GET, HEAD, OPTIONS) per minute; beyond rate + burst, 429.
EDGE_CACHE_SECONDS = env_int("EDGE_CACHE_SECONDS", 2, minimum=1, maximum=5)
EDGE_API_RATE = env_int("EDGE_API_RATE", 20, minimum=1)
EDGE_API_BURST = env_int("EDGE_API_BURST", 100, minimum=0)
EDGE_WRITE_RATE = env_int("EDGE_WRITE_RATE", 30, minimum=1)
EDGE_WRITE_BURST = env_int("EDGE_WRITE_BURST", 10, minimum=0)
# The webhook's own limit per calling address (requests per second), apart from the writes' budget.
EDGE_HOOK_RATE = env_int("EDGE_HOOK_RATE", 10, minimum=1)
EDGE_HOOK_BURST = env_int("EDGE_HOOK_BURST", 50, minimum=0)
