"""Whom a sign-in attempt is for and where it comes from, as django-axes counts failures and locks out.

Three rules, each answering an attack an outside tester made:

* Failures count against the normalised e-mail address: people type it in any case, and a
  guesser must not dodge the lockout of "cio@trust.nhs.uk" by trying "CIO@trust.nhs.uk".
* A person is locked out only from the address the failures came from (username + address), so a
  stranger guessing at someone's password cannot lock that person out everywhere.
* An address is also locked after many failures across any usernames (SIGN_IN_ADDRESS_FAILURE_LIMIT),
  which stops password spraying: a few guesses at each of many accounts.

Behind the TLS proxy every request arrives from the proxy, so all of that depends on the real
client address: it is read from the forwarding header only when the request came from a configured
trusted proxy (TRUSTED_PROXIES); anyone else could write any address into that header.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from organisations.models import normalise_email

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    # Where axes itself would look: the credentials given to authenticate(), else the form post.
    source = credentials or getattr(request, "data", request.POST)
    username = source.get(settings.AXES_USERNAME_FORM_FIELD)
    return normalise_email(username) if username else username


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, seen through our own proxies and nobody else's.

    Walks the forwarding header from the right (each proxy appends the address it was reached
    from) past our trusted proxies; the first address that is not one of ours is the client. A
    header that is absent or not an address leaves the proxy's own address, which is safe: it only
    makes the lockout stricter, never lets a client choose its address.
    """
    remote = request.META.get("REMOTE_ADDR")
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or remote is None or not _trusted(remote, networks):
        return remote
    forwarded = request.META.get(settings.CLIENT_ADDRESS_HEADER, "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if _trusted(hop, networks):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote
    return remote


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a second, higher limit per address across usernames.

    Axes compares one failure count against one limit. The count it is given is the greater of the
    failures of this username from this address, and the failures from this address for any
    username scaled onto the same limit, so that reaching SIGN_IN_ADDRESS_FAILURE_LIMIT locks the
    address exactly as reaching AXES_FAILURE_LIMIT locks one person there.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        person_here = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        recent = AccessAttempt.objects.filter(ip_address=address, attempt_time__gt=get_cool_off_threshold(request))
        from_address = recent.aggregate(total=Sum("failures_since_start"))["total"] or 0
        limit = get_failure_limit(request, credentials)
        return max(person_here, from_address * limit // settings.SIGN_IN_ADDRESS_FAILURE_LIMIT)
