"""The FastAPI application factory.

``create_app`` takes a ready :class:`~booking_core.bootstrap.BookingApp` (constructor
injection): the server holds no module-level state and opens no engine at import time, so
tests build it over the in-memory storage and ``booking_server.main`` over SQLite.

Endpoints are plain ``def`` functions: the application services are synchronous, so
FastAPI runs them in its thread pool (DESIGN: "the reference server calls the services from
a thread pool"). Only they go there: dependencies and error handlers that merely read the
request are ``async``, since each plain ``def`` one costs a thread-pool round trip of its
own, and on SQLite, which serves one unit of work at a time, the pool has one thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from booking_core.bootstrap import BookingApp
from booking_core_notifications import Renderer
from booking_server.auth import AccountService, build_accounts
from booking_server.auth.errors import install_auth_handlers
from booking_server.edge import RequestGuard
from booking_server.openapi import complete_openapi
from booking_server.problems import DEFAULT_PROBLEM_BASE, Problem, install_problem_handlers
from booking_server.ratelimit import RateLimits, install_rate_limit_handler
from booking_server.routers import ROUTERS
from booking_server.settings import DEFAULT_MAX_BODY_BYTES

__all__ = ["DESCRIPTION", "create_app"]

DESCRIPTION: Final = """\
The reference HTTP API of **booking_core**, an SDK for at-home service booking platforms
(上门按摩 / 家政 / 美容美发): catalog, technicians and their free slots, orders through
their lifecycle, payment through the configured gateway, and reviews.

* **Who is acting** — `Authorization: Bearer <access token>`, from `POST /auth/token`
  (OAuth2 password flow: the **Authorize** button above), `/auth/code-login` or
  `/auth/wechat-login`; refreshed at `/auth/refresh`. Browsing the catalog, technicians,
  slots and reviews needs no actor.
* **Money** — `{"amount": <integer minor units>, "currency": "CNY"}`; 19900 is 199.00 CNY.
* **Time** — ISO 8601 with an offset; answers show times in the technician's zone.
* **Errors** — RFC 9457 `application/problem+json` with a stable `code` and the
  `request_id` that the `X-Request-ID` header carries too.
* **Limits** — request bodies up to 1 MiB (413 beyond); no NUL or lone surrogate in any
  text (422 `invalid_text`); dates and instants within 2000–2100 (422 `date_out_of_range`);
  long lists come in pages (`limit`, `cursor`, `next_cursor`); too many sign-ins, codes
  or orders lately: 429 `rate_limited`, with `Retry-After`.
"""

_TAGS: Final = [
    {"name": "auth", "description": "Sign in and out: tokens, phone codes, WeChat, accounts."},
    {"name": "catalog", "description": "Categories and services (platform manages)."},
    {
        "name": "packages",
        "description": "Packages (套餐): defined by the platform, purchases recorded, "
        "visits used order by order.",
    },
    {"name": "technicians", "description": "Technicians, weekly hours and free slots."},
    {
        "name": "schedules",
        "description": "Technicians' date overrides, time off, rota, daily cap, status, calendar.",
    },
    {
        "name": "calendars",
        "description": "Technicians' outside calendars: feeds in, busy blocks, the feed out; "
        "the bulk import.",
    },
    {"name": "onboarding", "description": "Technicians' applications and the platform's review."},
    {"name": "customers", "description": "Customers: profile, address book, favourites, tier."},
    {
        "name": "stores",
        "description": "Stores: profile, members, own prices, announcements.",
    },
    {"name": "orders", "description": "Place, pay and move orders through their lifecycle."},
    {
        "name": "dispatch",
        "description": "Orders placed without a technician: the grab pool, offers, the "
        "dispatcher's board, candidates and assignment, dispatch counts.",
    },
    {"name": "reviews", "description": "Reviews of completed orders."},
    {
        "name": "notifications",
        "description": "Everyone's own inbox, notification preferences and WeChat grants.",
    },
    {
        "name": "dead letters",
        "description": "Jobs and outbox messages the workers gave up on (operations staff).",
    },
]


def _operation_id(route: APIRoute) -> str:
    # The route function's name (`create_category`), not FastAPI's name + path + method, so a
    # generated client reads well; a test keeps the names unique.
    return route.name


def create_app(
    booking_app: BookingApp,
    *,
    title: str = "booking_core reference server",
    version: str = "0.1.0",
    problem_base: str = DEFAULT_PROBLEM_BASE,
    routers: Iterable[APIRouter] = ROUTERS,
    on_startup: Sequence[Callable[[], None]] = (),
    on_shutdown: Sequence[Callable[[], None]] = (),
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    threads: int | None = None,
    rate_limits: RateLimits | None = None,
    accounts: AccountService | None = None,
    trust_actor_headers: bool = False,
    renderer: Renderer | None = None,
) -> FastAPI:
    """A FastAPI app serving ``booking_app``.

    Args:
        booking_app: The wired services (see :func:`booking_core.bootstrap.build`).
        title: The API title in the OpenAPI document.
        version: The API version in the OpenAPI document.
        problem_base: Prefix of every problem ``type`` URI (the error code is appended).
        routers: The area routers to mount (default: every router of this package).
        on_startup: Called when the server starts serving (e.g. its embedded worker).
        on_shutdown: Called when the server stops (e.g. the storage's ``dispose``).
        max_body_bytes: The largest request body taken (413 ``request_too_large`` beyond);
            see :class:`~booking_server.edge.RequestGuard` for every check at the edge.
        threads: How many endpoints run at once in the thread pool (default: anyio's 40);
            1 for a storage that serves one unit of work at a time, such as SQLite.
        rate_limits: The limits on signing in, codes and placing orders (429 beyond); None,
            the default, for none (the tests and docs; ``booking_server.main`` builds them
            from the settings). See :mod:`booking_server.ratelimit`.
        accounts: Who may sign in and how (:func:`booking_server.auth.build_accounts`);
            by default one over ``booking_app``'s storage with a random token secret made
            now, codes printed to the console and the fake WeChat login.
        trust_actor_headers: **A test setting, off by default; never set it in a
            deployment.** Also believe the stand-in headers ``X-Actor-Id``/``X-Actor-Role``/
            ``X-Actor-Staff`` (anyone acts as anyone). Tests act through
            :func:`booking_server.credentials.headers_for` instead; nothing reads this from
            the environment.
        renderer: Writes the inbox's notifications in each reader's language (default:
            ``booking_core_notifications.Renderer()`` with the texts it ships).
    """
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be positive; got {threads}.")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if threads is not None:
            # The pool FastAPI runs plain ``def`` endpoints in (one per event loop).
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        for start in on_startup:
            start()
        try:
            yield
        finally:
            for callback in on_shutdown:
                callback()

    app = FastAPI(
        title=title,
        version=version,
        description=DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.booking_app = booking_app
    app.state.rate_limits = rate_limits
    app.state.accounts = accounts if accounts is not None else build_accounts(booking_app)
    app.state.trust_actor_headers = trust_actor_headers
    # Made once: compiling every text costs tens of milliseconds.
    app.state.renderer = renderer if renderer is not None else Renderer()
    install_problem_handlers(app, base=problem_base)
    install_rate_limit_handler(app, base=problem_base)
    install_auth_handlers(app, base=problem_base)
    app.add_middleware(RequestGuard, max_body_bytes=max_body_bytes, problem_base=problem_base)
    for router in routers:
        app.include_router(router)
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    # The routes reference the Problem schema in their problem+json responses; FastAPI only
    # collects schemas of models it serializes, so add it to the components ourselves. The
    # answers of the layers below the routes are declared by booking_server.openapi.
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = complete_openapi(default_openapi())
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
