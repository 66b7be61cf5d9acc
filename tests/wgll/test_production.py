"""The shipped shape: `collectstatic` into a fresh STATIC_ROOT, then the portal under gunicorn with
WGLL_MODE=production, so the hashed static manifest, whitenoise and the strict settings are the
ones a deployment runs. Pages rendered with development storage cannot show a template asking
the manifest for something it does not hold: only this does.

It needs no outside service (a temporary SQLite file is the database), so it never skips.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# A deployment reads these from its environment; anything else the test process has set that
# would change the portal (another database, a broker, debug) is left out.
LEFT_OUT = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DEBUG"}


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return {
        **{key: value for key, value in os.environ.items() if key not in LEFT_OUT},
        "DJANGO_SETTINGS_MODULE": "wgll.settings",
        "WGLL_MODE": "production",
        "SECRET_KEY": "production-test-only-" + "x" * 40,
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": "https://dma.example.nhs.uk",
        # No broker here: the seeding script needs its submission scored and report rendered as it goes.
        "WGLL_INPROCESS_TASKS": "eager",
        # TLS ends at the proxy in front of gunicorn; the test speaks for it (X-Forwarded-Proto).
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
    }


def run(args: list[str], env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )  # fmt: skip
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


class Browser:
    """Just enough of a browser behind a TLS-terminating proxy: keeps cookies (which production
    marks Secure, so a stdlib cookie jar would not send them over plain HTTP) and sends the
    headers the proxy and a same-origin form post would."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://{HOST}:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        headers = {"Host": f"{HOST}:{self.port}", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
            headers["Referer"] = self.origin + path
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, {key.lower(): value for key, value in response.getheaders()}, content

    def get(self, path: str) -> tuple[int, dict, bytes]:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, dict, bytes]:
        return self.request("POST", path, form)


@pytest.fixture
def gunicorn(production_site, production_env, tmp_path):
    """gunicorn on a socket this test has already bound (so the port is free and nobody else can
    take it) with production settings; always stopped at the end."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wgll.wsgi:application", "--bind", f"fd://{listener.fileno()}",
             "--workers", "1", "--timeout", "60", "--access-logfile", "-", "--error-logfile", "-"],
            cwd=ROOT, env=production_env, stdout=output, stderr=subprocess.STDOUT, pass_fds=[listener.fileno()],
        )  # fmt: skip
    listener.close()
    server = Browser(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited at start:\n{log.read_text()}")
            try:
                status, _, _ = server.get("/health/")
            except OSError:
                status = None
            if status is not None:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield port, lambda: f"gunicorn log:\n{log.read_text()[-6000:]}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def production_site(production_env) -> dict[str, str]:
    """Static files collected as the image collects them, a migrated database and trust A's
    submitted, scored assessment with a ready board report (tests.wgll.production_data)."""
    # Compressing every collected file takes about a minute on a busy two-core machine.
    run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], production_env, timeout=600)
    run(["manage.py", "migrate", "--noinput", "--verbosity", "0"], production_env, timeout=300)
    return json.loads(run(["-m", "tests.wgll.production_data"], production_env, timeout=300).splitlines()[-1])


def test_production_build_serves_sign_in_signed_in_pages_and_board_reports(production_site, gunicorn):
    port, server_log = gunicorn
    browser = Browser(port)

    status, _, body = browser.get("/sign-in/")
    assert status == 200, server_log()
    page = body.decode()
    # The layout's assets come from the hashed manifest, and whitenoise serves them.
    icon = re.search(r'<link rel="icon" href="(/static/nhsuk/assets/images/favicon\.[0-9a-f]{12}\.ico)"', page)
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/nhsuk-portal\.[0-9a-f]{12}\.css)"', page)
    assert icon and stylesheet, page[:2000]
    for asset in (icon[1], stylesheet[1]):
        assert browser.get(asset)[0] == 200, asset
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page

    status, headers, _ = browser.post(
        "/sign-in/",
        {"csrfmiddlewaretoken": token[1], "username": production_site["email"],
         "password": production_site["password"], "next": ""},
    )  # fmt: skip
    assert status == 302 and headers["location"] == "/", server_log()
    assert "sessionid" in browser.cookies

    for path in ("/", production_site["overview"], production_site["report_status"]):
        status, _, body = browser.get(path)
        assert status == 200, f"{path} answered {status}\n" + server_log()
        assert b"Trust A" in body, path

    status, headers, body = browser.get(production_site["report_download"])
    assert status == 200, server_log()
    assert headers["content-type"] == "application/pdf"
    assert body.startswith(b"%PDF-")

    # The health check renders the same layout, so it says what the pages say.
    status, _, body = browser.get("/health/")
    assert status == 200, server_log()
    assert json.loads(body) == {"status": "ok", "database": "ok", "templates": "ok"}
