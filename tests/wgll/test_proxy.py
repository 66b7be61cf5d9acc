"""The compose file's proxy (deploy/nginx.conf), run for real in front of the live server: it refuses
an oversized upload before the portal reads it, and it hands the portal the client's address in a
way the sign-in lockout can trust (a client cannot choose its address by writing the header)."""

import http.client
import re
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from django.conf import settings

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "nginx.conf"

pytestmark = [pytest.mark.needs_nginx, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def proxy(live_server, tmp_path):
    """nginx with the compose file's configuration, its upstream pointed at the live server."""
    port = _free_port()
    conf = CONF.read_text().replace("server web:8000;", f"server {live_server.thread.host}:{live_server.thread.port};")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n" + conf)
    # Temporary files in the test's directory, so nginx needs no root and no system folders.
    prefix = ["-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
    (tmp_path / "logs").mkdir()
    process = subprocess.Popen(
        ["nginx", *prefix, "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"], stderr=subprocess.PIPE
    )
    for _ in range(100):
        try:
            _request(port, "GET", "/health/")
            break
        except OSError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _request(port: int, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode(errors="replace")
    finally:
        connection.close()


def test_the_compose_file_sends_everyone_through_the_proxy_and_trusts_only_its_network():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "ports" not in services["web"] and services["proxy"]["ports"] == ["8000:80"]
    subnet = compose["networks"]["portal"]["ipam"]["config"][0]["subnet"]
    assert services["web"]["environment"]["TRUSTED_PROXIES"] == subnet


def test_the_proxy_limit_admits_the_largest_evidence_file_and_little_more():
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", CONF.read_text()).group(1))
    assert settings.EVIDENCE_MAX_BYTES < limit_mb * 1024 * 1024 <= settings.EVIDENCE_MAX_BYTES + 2 * 1024 * 1024


def test_an_oversized_upload_is_refused_at_the_proxy(proxy):
    body = b"x" * (settings.EVIDENCE_MAX_BYTES + 2 * 1024 * 1024)
    status, _, _ = _request(proxy, "POST", "/sign-in/", body, {"Content-Type": "text/plain"})
    assert status == 413


def test_through_the_proxy_a_guesser_cannot_choose_their_address(proxy, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    UserFactory(email="cio@trust.nhs.uk")

    def attempt(password: str, forwarded: str) -> int:
        _, cookie, page = _request(proxy, "GET", "/sign-in/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urlencode({"username": "cio@trust.nhs.uk", "password": password, "csrfmiddlewaretoken": token})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie.split(";", 1)[0],
            "X-Forwarded-For": forwarded,
        }
        return _request(proxy, "POST", "/sign-in/", form, headers)[0]

    for n in range(5):
        attempt("guess", f"192.0.2.{n}")  # a new made-up address each time: the proxy replaces it
    assert attempt("correct-horse-battery", "192.0.2.99") == 429
