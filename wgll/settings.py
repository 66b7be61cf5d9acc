"""Settings for the WGLL Digital Maturity Portal, read from the environment.

Every setting has a safe embedded default so `make run` works on a bare laptop (SQLite, tasks
in-process, e-mail to the console). WGLL_MODE=production turns the defaults strict: the portal
refuses to start without a secret key, allowed hosts and its https address (SITE_URL). The README
lists every variable.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

MODE = env.str("WGLL_MODE", default="development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured(f"WGLL_MODE must be 'development' or 'production', not {MODE!r}.")
PRODUCTION = MODE == "production"

DEBUG = env.bool("DEBUG", default=False)

if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL") if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            f"Production mode needs {', '.join(missing)} set in the environment; refusing to start."
        )
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must not be on in production mode.")
    SECRET_KEY = env.str("SECRET_KEY")
    # Django's own deployment check asks for this much; a short or repetitive key signs sessions
    # and password-reset links that can be forged.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY must be at least 50 characters with at least 5 different ones; make one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'. Refusing to start."
        )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must name the portal's host names, not '*': any Host header would be trusted "
            "(password-reset links to another site). Refusing to start."
        )
    SITE_URL = env.str("SITE_URL")
    _site = urlsplit(SITE_URL)
    if _site.scheme != "https" or not _site.netloc:
        raise ImproperlyConfigured(
            f"SITE_URL must be the portal's https:// address in production mode, not {SITE_URL!r}."
        )
else:
    # Only ever used on a developer's own machine: production refuses to run without its own key.
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-insecure-key-do-not-deploy")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
    SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The portal's own address, for links in e-mails: they are sent from workers and after commits,
# with no request to take a host from (assessments.services.notifications.absolute_url).
SITE_URL = SITE_URL.rstrip("/")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served locally
    # Personal API tokens; the portal's are organisations.ApiToken (KNOX_TOKEN_MODEL, below).
    "knox",
    "simple_history",
    "csp",
    "axes",
    "organisations",
    "framework",
    "assessments",
    "reports",
    "demo",
    "wgll",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wgll.sessions.IdleTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wgll.middleware.PortalHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wgll.urls"
WSGI_APPLICATION = "wgll.wsgi.application"

JINJA_AUTO_RELOAD = env.bool("JINJA_AUTO_RELOAD", default=DEBUG)
if PRODUCTION and JINJA_AUTO_RELOAD:
    raise ImproperlyConfigured("JINJA_AUTO_RELOAD must not be on in production mode.")
JINJA_BYTECODE_CACHE_DIR = env.str(
    "JINJA_BYTECODE_CACHE_DIR", default=str(VAR_DIR / "jinja-bytecode") if PRODUCTION else ""
)

TEMPLATES = [
    {
        # Our pages: Jinja2 with the NHS.UK frontend macros.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "wgll.jinja.environment",
            # Templates only change with a deployment: checking every template file (and every
            # macro file it imports) for changes on each render is for a developer's machine.
            "auto_reload": JINJA_AUTO_RELOAD,
            # Compiled templates kept on disk, so a new gunicorn worker loads them instead of
            # compiling the design system's macros again (wgll.jinja.environment).
            "bytecode_cache_dir": JINJA_BYTECODE_CACHE_DIR,
            "context_processors": [
                "django.contrib.messages.context_processors.messages",
                "wgll.context_processors.navigation",
                "wgll.context_processors.content_security",
                "wgll.context_processors.session_timeout",
            ],
        },
    },
    {
        # The Django admin keeps its own templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'wgll.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions make SQLite take its write lock up front, so concurrent saves queue
    # instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The pages' queries join up to eight tables (select_related), and PostgreSQL spent several
    # times longer choosing a join order for them than running them (0.9 ms planning against 0.1 ms
    # executing, for the domain page's lookups). Reordering joins in groups of four at most cut the
    # planning to 0.35 ms with the same plans; the national aggregates join fewer tables than that.
    collapse = env.int("DATABASE_JOIN_COLLAPSE_LIMIT", default=4)
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join(
        filter(None, [options.get("options"), f"-c join_collapse_limit={collapse} -c from_collapse_limit={collapse}"])
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "organisations.backends.PortalModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "organisations.passwords.PaddedCommonWordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, rules in wgll/auth.py): lock a username from one address after
# repeated failures, and an address after many failures across usernames (password spraying).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
SIGN_IN_ADDRESS_FAILURE_LIMIT = env.int("SIGN_IN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "wgll.auth.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "wgll.auth.client_address"
# Our own proxies (addresses or networks): only a request from one of them may name the client's
# address, in CLIENT_ADDRESS_HEADER (Django's META name of X-Forwarded-For by default).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
CLIENT_ADDRESS_HEADER = env.str("CLIENT_ADDRESS_HEADER", default="HTTP_X_FORWARDED_FOR")
AXES_LOCKOUT_TEMPLATE = "account/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Our sign-in form posts the e-mail address in the field Django names "username"; failures count
# against the normalised (lower-case) address, however it was typed.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "wgll.auth.lockout_username"

# Single sign-on (OpenID Connect; README "Single sign-on", wgll/sso.py). Each provider is on when
# its client id is set; with neither, sign-in is the e-mail and password form alone and the
# single sign-on URLs answer 404. Both use the authorisation code flow with PKCE.
# NHS Care Identity Service 2: private_key_jwt client authentication with our key (its public half
# is published at /sign-in/cis2/jwks/ for CIS2's registration), and assurance levels checked.
CIS2_CLIENT_ID = env.str("CIS2_CLIENT_ID", default="")
CIS2_DISCOVERY_URL = env.str("CIS2_DISCOVERY_URL", default="")
CIS2_PRIVATE_KEY_FILE = env.str("CIS2_PRIVATE_KEY_FILE", default="")
CIS2_KEY_ID = env.str("CIS2_KEY_ID", default="")
# CIS2's ACR value for "an AAL2 or an AAL3 authenticator" (NHS England recommends AAL2 where the
# data allows it); the ID token's authentication_assurance_level is checked against the minimum.
CIS2_ACR_VALUES = env.str("CIS2_ACR_VALUES", default="AAL2_OR_AAL3_ANY")
CIS2_MINIMUM_AUTHENTICATION_LEVEL = env.int("CIS2_MINIMUM_AUTHENTICATION_LEVEL", default=2)
# Any other OpenID Connect provider, such as Microsoft Entra ID for NHSmail: a client secret.
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_DISCOVERY_URL = env.str("OIDC_DISCOVERY_URL", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_TOKEN_AUTH_METHOD = env.str("OIDC_TOKEN_AUTH_METHOD", default="client_secret_post")
OIDC_DISPLAY_NAME = env.str("OIDC_DISPLAY_NAME", default="NHSmail")
# Seconds the portal waits for a provider (discovery, token, user info, keys) before giving up.
SSO_TIMEOUT_SECONDS = env.float("SSO_TIMEOUT_SECONDS", default=10)
if OIDC_TOKEN_AUTH_METHOD not in {"client_secret_post", "client_secret_basic"}:
    raise ImproperlyConfigured(
        f"OIDC_TOKEN_AUTH_METHOD must be 'client_secret_post' or 'client_secret_basic', not {OIDC_TOKEN_AUTH_METHOD!r}."
    )
for _profile, _needed in (
    ("CIS2", ("CIS2_DISCOVERY_URL", "CIS2_PRIVATE_KEY_FILE", "CIS2_KEY_ID")),
    ("OIDC", ("OIDC_DISCOVERY_URL", "OIDC_CLIENT_SECRET")),
):
    if vars()[f"{_profile}_CLIENT_ID"]:
        _missing = [name for name in _needed if not vars()[name]]
        if _missing:
            raise ImproperlyConfigured(
                f"{_profile}_CLIENT_ID is set, so single sign-on with it needs {', '.join(_missing)} too; "
                "refusing to start."
            )
# The cache holds the ids of back-channel logout tokens already used (a replay is refused) and the
# API's request budgets, and nothing a user saved. Per process by default; in production point it
# at the Redis every web worker shares (the compose file uses redis://redis:6379/2). While that
# Redis is down the budgets are not enforced (wgll/api.py) rather than the API failing.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# The audit history is a record, not a draft: it cannot be reverted or edited through any screen.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_EDIT = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Built by `make setup`: the NHS.UK CSS compiled without externally hosted fonts, and the
    # design system's script (nhsuk/nhsuk-frontend.min.js) copied from npm.
    BASE_DIR / "build" / "static",
    # nhsuk-frontend's icons and manifest, installed from npm by `make setup`.
    ("nhsuk/assets", BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk" / "assets"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Outside production, re-read assets on each request so a rebuilt CSS file is served whole.
WHITENOISE_AUTOREFRESH = not PRODUCTION
for _static_dir in (Path(STATIC_ROOT), BASE_DIR / "build" / "static"):
    _static_dir.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
# Evidence files are checked by content and must be smaller than this.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_MB", default=20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An upload over EVIDENCE_MAX_MB is refused as it arrives (assessments/uploads.py), not after it is received.
FILE_UPLOAD_HANDLERS = [
    "assessments.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Digital maturity assessment <noreply@wgll.invalid>")

# Celery: no broker means the embedded default, where tasks run in-process as they are queued.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# How in-process tasks run (no broker only): "thread" after the response, on one background
# thread, so a page never waits seconds for a render; "eager" inside the call that queued them.
WGLL_INPROCESS_TASKS = env.str("WGLL_INPROCESS_TASKS", default="thread")
if WGLL_INPROCESS_TASKS not in {"thread", "eager"}:
    raise ImproperlyConfigured(f"WGLL_INPROCESS_TASKS must be 'thread' or 'eager', not {WGLL_INPROCESS_TASKS!r}.")
CELERY_TASK_EAGER_PROPAGATES = True
# Nothing reads a task's result (pages read the rows tasks write), so by default there is no result
# backend and no task stores one: a result backend on the broker's Redis made every request that
# queued a task wait about 20 s while Redis was down (the backend retries 20 times, once a second).
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = True
if not CELERY_BROKER_URL:
    # In-process: name the in-memory transport so nothing ever falls back to a default broker.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps trying to reach a broker that is away for as long as it is away (Celery's
# default gives up after 100 attempts, about 45 minutes, and the worker exits); it tries at
# least every 30 s, so it is consuming again within 30 s of the broker's return.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# An unacknowledged task (its worker died) is delivered again after this many seconds. It must
# be longer than any task runs (a render's time limit, a scoring's), or a task still running is
# delivered a second time beside itself: the renders and scorings check under a row lock that
# their work is still due, so such a duplicate does nothing, but it is wasted work.
TASK_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=600)
# A request must never wait on a dead broker: one connection attempt of at most half a second,
# a second at most for a command on a connection that has stopped answering (a hung Redis
# accepts connections but never replies), no retries. The job row stays and its sweep re-drives
# it, so a publish that gives up loses nothing.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "interval_start": 0,
    "interval_step": 0.2,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1,
    "visibility_timeout": TASK_VISIBILITY_TIMEOUT,
    # Look for the unacknowledged tasks of dead workers every few seconds (kombu's default looks
    # about every 100 s), so redelivery comes at most this long after the visibility timeout.
    "unacked_restore_interval": min(10, max(1, TASK_VISIBILITY_TIMEOUT // 2)),
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# After a publish fails, this process does not try the broker again for this many seconds: the
# requests meanwhile queue nothing and answer at once (their job rows wait for the sweeps), rather
# than each paying the connection timeout against a broker that has just been found dead.
PUBLISH_BACKOFF_SECONDS = env.float("PUBLISH_BACKOFF_SECONDS", default=10.0)
# Hard time limits of the renders (the soft limit, which lets the render record "took too long",
# is four fifths of it). A render claimed longer ago than its limit cannot still be running: the
# sweep and a redelivered task may then render it again, and never before.
REPORTS_RENDER_TIME_LIMIT = env.int("REPORTS_RENDER_TIME_LIMIT", default=150)
PACKS_RENDER_TIME_LIMIT = env.int("PACKS_RENDER_TIME_LIMIT", default=300)
# The national files of 25,000 organisations take a few minutes; the limit leaves room for that.
NATIONAL_FILES_TIME_LIMIT = env.int("NATIONAL_FILES_TIME_LIMIT", default=1800)
REPORTS_SWEEP_SECONDS = env.int("REPORTS_SWEEP_SECONDS", default=300)
# A render handed to the broker but not started for this long is taken as lost with its message
# (a broker restarted without its data) and queued again. Twice the sweep interval by default. A
# render never handed to the broker (it was down) is queued again by the next sweep, and one
# whose worker died once its claim is older than its time limit.
REPORTS_STUCK_AFTER_SECONDS = env.int("REPORTS_STUCK_AFTER_SECONDS", default=2 * REPORTS_SWEEP_SECONDS)
SCORING_SWEEP_SECONDS = env.int("SCORING_SWEEP_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "sweep-unscored-assessments": {
        "task": "assessments.sweep_unscored",
        "schedule": SCORING_SWEEP_SECONDS,
    },
    "sweep-board-reports": {
        "task": "reports.sweep",
        "schedule": REPORTS_SWEEP_SECONDS,
    },
    "sweep-system-packs": {
        "task": "reports.sweep_system_packs",
        "schedule": REPORTS_SWEEP_SECONDS,
    },
    "sweep-cycle-figures": {
        "task": "reports.sweep_cycle_figures",
        "schedule": env.int("FIGURES_SWEEP_SECONDS", default=300),
    },
    "publish-due-cycles": {
        "task": "assessments.publish_due_cycles",
        "schedule": env.int("PUBLICATION_SWEEP_SECONDS", default=60),
    },
    "sweep-cycle-flags": {
        "task": "assessments.sweep_cycle_flags",
        "schedule": env.int("FLAGS_SWEEP_SECONDS", default=600),
    },
    # Reminders (assessments/services/reminders.py): idempotent per person, kind and day.
    "send-reminders": {
        "task": "assessments.send_reminders",
        "schedule": env.int("REMINDERS_SWEEP_SECONDS", default=3600),
    },
}
# After a scoring, the cycle's flags are re-judged this many seconds later, so a burst of
# submissions costs one refresh of the whole cycle (on a broker; in-process it is at once).
FLAGS_REFRESH_DELAY_SECONDS = env.int("FLAGS_REFRESH_DELAY_SECONDS", default=30)
# Likewise the comparison figures of ICS and national dashboards (reports.refresh).
FIGURES_REFRESH_DELAY_SECONDS = env.int("FIGURES_REFRESH_DELAY_SECONDS", default=30)
# Fault injection for the worker-crash test only: pause inside the scoring transaction.
SCORING_PAUSE_SECONDS = env.float("WGLL_SCORING_PAUSE_SECONDS", default=0)
CELERY_TIMEZONE = TIME_ZONE

# The API's shared behaviour lives in wgll/api.py: personal tokens (or the browser's session),
# RFC 9457 problem details for every error, a request budget per token, numbered pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wgll.api.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "organisations.pagination.ApiPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["wgll.api.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_RATE_LIMIT", default="600/minute")},
    "EXCEPTION_HANDLER": "wgll.api.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
KNOX_TOKEN_MODEL = "organisations.ApiToken"
# Knox's own migrations create its default token table even when the model is swapped out, and
# that unused table's key to the users table stops PostgreSQL truncating them (as the tests
# flush); with no migrations for knox, only the swapped-in model's table exists.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": None,  # each token's expiry is chosen when it is made (organisations/services/tokens.py)
    "AUTH_HEADER_PREFIX": "Bearer",
    # A recognisable prefix lets secret scanners (GitHub's, a trust's DLP) spot a leaked token.
    "TOKEN_PREFIX": "wgll_",
    "TOKEN_MODEL": "organisations.ApiToken",
}
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
SPECTACULAR_SETTINGS = {
    "TITLE": "WGLL Digital Maturity Portal API",
    "DESCRIPTION": (
        "Organisations, framework versions, assessments and results, keyed on ODS codes, cycle names and "
        "domain keys. Authenticate with a personal API token (`Authorization: Bearer wgll_…`), made on the "
        "portal's API tokens page. Every error is `application/problem+json` (RFC 9457)."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The documentation page's Swagger UI is served from our own static files: nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "wgll.api.add_problem_responses",
    ],
    # Several resources have a `status`, each with its own values: each set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "assessments.models.Assessment.Status",
        "AnswerStatusEnum": "assessments.models.DomainResponse.Status",
        "RenderStatusEnum": "reports.models.BoardReport.Status",
        "FlagStatusEnum": ["open", "resolved"],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends after SESSION_IDLE_MINUTES without a request (wgll/sessions.py, with a warning
# SESSION_WARNING_SECONDS before) and after SESSION_MAX_HOURS whatever happens: a working day,
# not Django's two weeks.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=120)
SESSION_COOKIE_AGE = int(env.float("SESSION_MAX_HOURS", default=10) * 3600)
SESSION_COOKIE_SECURE = PRODUCTION
# Sessions are read from the cache when it is the Redis every web worker shares (one query fewer on
# every signed-in page), and always kept in the database, which answers while Redis is down
# (wgll/session_store.py). A per-process cache is never used for them: a sign-out in one worker
# would not reach the others.
SESSION_ENGINE = (
    "wgll.session_store"
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else "django.contrib.sessions.backends.db"
)
# An invitation to join a team (organisations/services/team.py) works once, for this many days.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The Content Security Policy (django-csp): everything from the portal itself, no inline script
# at all (the pages' scripts are files; pygal's inline tooltip script is stripped from every chart),
# no plugins, no framing. Inline styles are allowed: the charts are SVG drawn on the server, whose
# <style> rules and style attributes carry each chart's own colours (a nonce cannot cover an
# attribute), and every text in them is escaped; styles cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],  # the nonce only on pages whose template used it
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is decided for the whole registrable domain (nhs.uk), by its owner, not by one
    # service on a subdomain: a preload header here would ask browsers to commit every other nhs.uk
    # service to HTTPS, which is not this service's to promise. So it is off unless the domain's
    # owner has asked for it, and Django's reminder about it (security.W021) is silenced only then.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO: a worker rendering reports would drown its log.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
