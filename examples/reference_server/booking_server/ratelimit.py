"""Rate limits on signing in, sending codes and placing orders (429 ``rate_limited``).

Call from an endpoint, before the work::

    from booking_server.ratelimit import enforce

    enforce(request, "login", login_name)   # per login name/phone AND per client IP
    enforce(request, "codes", phone)        # per phone AND per client IP
    enforce(request, "orders", actor.id)    # per actor

``enforce(request, name, key) -> None`` does nothing when the app has no
:class:`RateLimits` (``create_app(..., rate_limits=None)``, the default, as in the tests and
docs); otherwise it counts one request against each limit of ``name`` and raises
:class:`RateLimited` (429 problem+json ``rate_limited``, ``Retry-After`` in whole seconds,
``details``: ``name``, ``per``, ``limit``, ``retry_after_seconds``) when any of them is used
up. A refused request is not counted. Pass ``key`` normalized the way the caller looks it
up (an E.164 phone, a lowercased login), so that spellings of one key share a budget. It
may talk to Redis: call it from a plain ``def`` endpoint (the thread pool), not an
``async`` one. A store that does not answer is 503 ``storage_unavailable``.

The strategy is the *moving window* of the ``limits`` library: "5/minute" means at most 5
in any 60 seconds. A fixed window resets on the minute and lets through twice the limit
around the reset (5 at 0:59, 5 more at 1:00), which is the burst a password-guessing or
SMS-pumping client wants; the moving window keeps one timestamp per counted request, cheap
at limits this small. Limits use ``limits``' string syntax, several joined with ``;``
(``"5/minute;20/hour"``).

The counts live in memory (``memory://``, per process: each worker counts on its own) or in
Redis (``redis://host:6379/0``, shared by every worker; ``pip install
booking-core-sdk-server[redis]``). Keys are stored as SHA-256 digests (``booking_core``
namespace): no phone number or login in the store, and a bounded key length. The client IP
is ``request.client.host``; behind a reverse proxy run uvicorn with ``--proxy-headers
--forwarded-allow-ips=<proxy>`` so that it is the client's, not the proxy's.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
from fastapi import FastAPI, Request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from booking_core.errors import StorageUnavailable
from booking_server.openapi import RETRY_AFTER
from booking_server.problems import PROBLEM_MEDIA_TYPE, problem_response

if TYPE_CHECKING:
    from booking_server.settings import Settings

__all__ = [
    "LIMIT_NAMES",
    "RATE_LIMITED_RESPONSES",
    "STORAGE_SCHEMES",
    "LimitName",
    "RateLimited",
    "RateLimits",
    "Rule",
    "enforce",
    "install_rate_limit_handler",
    "parse_rate_limits",
]

#: What is limited: signing in, sending one-time codes, placing orders.
LimitName = Literal["login", "codes", "orders"]
LIMIT_NAMES: Final[tuple[LimitName, ...]] = ("login", "codes", "orders")

#: The storage URL schemes taken: in memory, or Redis (plain, TLS, socket, sentinel, cluster).
STORAGE_SCHEMES: Final = (
    "memory",
    "redis",
    "rediss",
    "redis+unix",
    "redis+sentinel",
    "redis+cluster",
)

#: OpenAPI ``responses`` for an operation that calls :func:`enforce`.
RATE_LIMITED_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    429: {
        "description": "Too many requests (`rate_limited`); try again after `Retry-After` "
        "seconds. `details` names the limit.",
        "headers": {"Retry-After": dict(RETRY_AFTER)},
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}

_NAMESPACE: Final = "booking_core"
# For the message: what was counted, and whose key.
_WORDS: Final = {
    "login": ("sign-in attempts", "account"),
    "codes": ("code requests", "phone"),
    "orders": ("orders placed", "customer"),
}


def parse_rate_limits(text: str, *, setting: str) -> tuple[RateLimitItem, ...]:
    """The limits in ``text`` (``"5/minute"``, ``"5/minute;20/hour"``).

    Raises:
        ValueError: naming ``setting``, if ``text`` is not in that syntax or a limit is 0.
    """
    try:
        items = tuple(parse_many(text.strip()))
    except ValueError:
        items = ()
    if not items or any(item.amount < 1 for item in items):
        raise ValueError(
            f"{setting} must be rate limits such as '5/minute' or '5/minute;100/day' "
            f"(a positive count per second, minute, hour, day, month or year); got {text!r}."
        )
    return items


def check_storage_url(url: str, *, setting: str) -> str:
    """``url`` if it names a storage this server takes (see :data:`STORAGE_SCHEMES`).

    Raises:
        ValueError: naming ``setting``; the URL is shown with its password masked.
    """
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in STORAGE_SCHEMES:
        from booking_server.settings import mask_url  # settings imports this module

        raise ValueError(
            f"{setting} must be memory:// or a Redis URL such as redis://127.0.0.1:6379/0 "
            f"(schemes: {', '.join(STORAGE_SCHEMES)}); got {mask_url(url)!r}."
        )
    return url


@attrs.frozen
class Rule:
    """The limits of one name: per key, and per client IP (none: the IP is not limited)."""

    per_key: tuple[RateLimitItem, ...]
    per_ip: tuple[RateLimitItem, ...] = ()


@attrs.frozen
class _Check:
    item: RateLimitItem
    per: Literal["key", "ip"]
    identifiers: tuple[str, ...]


class RateLimited(Exception):
    """A rate limit is used up: answered 429 ``rate_limited`` with ``Retry-After``."""

    def __init__(self, name: str, per: str, limit: RateLimitItem, retry_after: int) -> None:
        self.name = name
        self.per = per
        self.limit = limit
        self.retry_after = retry_after
        what, whose = _WORDS.get(name, (f"{name} requests", "key"))
        self.message = (
            f"Too many {what} for this {'client IP' if per == 'ip' else whose}: at most "
            f"{limit}. Try again in {retry_after} s."
        )
        super().__init__(self.message)

    @property
    def details(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "per": self.per,
            "limit": str(self.limit),
            "retry_after_seconds": self.retry_after,
        }


@attrs.frozen
class RateLimits:
    """The server's rate limits: a rule per name over one storage (kept on ``app.state``).

    Build it with :meth:`from_settings` or :meth:`create`; pass it to
    ``create_app(..., rate_limits=...)``.
    """

    rules: Mapping[LimitName, Rule]
    storage: Storage
    #: Prefix of every key in the storage (several servers may share one Redis).
    namespace: str = _NAMESPACE
    _limiter: MovingWindowRateLimiter = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_limiter", MovingWindowRateLimiter(self.storage))

    @classmethod
    def create(
        cls,
        rules: Mapping[LimitName, Rule],
        *,
        storage_url: str = "memory://",
        namespace: str = _NAMESPACE,
    ) -> RateLimits:
        """Rate limits over the storage at ``storage_url`` (not contacted yet: see
        :meth:`check_storage`).

        Raises:
            ValueError: an unknown storage scheme, or a malformed URL.
        """
        check_storage_url(storage_url, setting="storage_url")
        try:
            # wrap_exceptions: every driver error arrives as limits' StorageError.
            storage = storage_from_string(storage_url, wrap_exceptions=True)
        except ConfigurationError as exc:
            raise ValueError(f"The rate limit storage URL is not usable: {exc}") from exc
        assert isinstance(storage, Storage)  # a synchronous one: no async+ scheme is taken
        return cls(rules=dict(rules), storage=storage, namespace=namespace)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        """The limits and storage that ``settings`` name (``BOOKING_CORE_RATE_LIMIT_*``)."""

        def limits(field: str) -> tuple[RateLimitItem, ...]:
            text = getattr(settings, field)
            return parse_rate_limits(text, setting=f"BOOKING_CORE_{field.upper()}")

        return cls.create(
            {
                "login": Rule(limits("rate_limit_login"), limits("rate_limit_login_ip")),
                "codes": Rule(limits("rate_limit_codes"), limits("rate_limit_codes_ip")),
                "orders": Rule(limits("rate_limit_orders")),
            },
            storage_url=settings.rate_limit_storage,
        )

    def check_storage(self) -> bool:
        """True if the storage answers (a Redis ``PING``)."""
        return bool(self.storage.check())

    def hit(self, name: LimitName, key: str, *, client: str) -> None:
        """Count one request of ``name`` for ``key`` from ``client`` (an IP).

        Nothing is counted when a limit refuses it.

        Raises:
            RateLimited: a limit of ``name`` is used up.
            StorageUnavailable: the storage does not answer.
            KeyError: ``name`` has no rule.
        """
        checks = self._checks(name, key, client)
        try:
            # Test all before counting any: a request refused per IP costs no key budget.
            refused = [c for c in checks if not self._limiter.test(c.item, *c.identifiers)]
            if not refused:
                # Another worker may have taken the last place since the test.
                refused = [c for c in checks if not self._limiter.hit(c.item, *c.identifiers)]
            if not refused:
                return
            waits = [(self._seconds_to_reset(c), c) for c in refused]
        except StorageError as exc:
            raise StorageUnavailable(
                "The rate limit store did not answer; try again shortly.", retry_after_seconds=1
            ) from exc
        wait, worst = max(waits, key=lambda pair: pair[0])
        raise RateLimited(name, worst.per, worst.item, wait)

    def _checks(self, name: LimitName, key: str, client: str) -> list[_Check]:
        rule = self.rules[name]
        scopes: tuple[tuple[Literal["key", "ip"], str, tuple[RateLimitItem, ...]], ...] = (
            ("key", key, rule.per_key),
            ("ip", client, rule.per_ip),
        )
        return [
            _Check(item, per, (self.namespace, name, per, _digest(value)))
            for per, value, items in scopes
            for item in items
        ]

    def _seconds_to_reset(self, check: _Check) -> int:
        reset = self._limiter.get_window_stats(check.item, *check.identifiers).reset_time
        # Whole seconds, rounded up, and never 0: a retry at once would be refused again.
        return max(1, math.ceil(reset - time.time()))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def enforce(request: Request, name: LimitName, key: str) -> None:
    """Count this request against the limits of ``name`` for ``key`` (and the client IP).

    A no-op when the app was made without rate limits.

    Raises:
        RateLimited: a limit is used up (the app answers 429 ``rate_limited``).
        StorageUnavailable: the rate limit storage does not answer (503).
    """
    rate_limits = getattr(request.app.state, "rate_limits", None)
    if rate_limits is None:
        return
    if not isinstance(rate_limits, RateLimits):  # pragma: no cover - a wiring mistake
        raise TypeError("create_app() stores RateLimits (or None) on app.state.rate_limits")
    client = request.client.host if request.client is not None else "unknown"
    rate_limits.hit(name, key, client=client)


def install_rate_limit_handler(app: FastAPI, *, base: str) -> None:
    """Answer :class:`RateLimited` with a 429 problem and ``Retry-After``."""

    async def rate_limited(_: Request, exc: Exception) -> Any:
        assert isinstance(exc, RateLimited)
        return problem_response(
            base,
            status=429,
            code="rate_limited",
            detail=exc.message,
            details=exc.details,
            headers={"Retry-After": str(exc.retry_after)},
        )

    app.add_exception_handler(RateLimited, rate_limited)
