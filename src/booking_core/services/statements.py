"""Reconciliation with each provider's daily statement (对账): download it, match it against
the captures and refunds we applied, store every difference for finance (FEATURES P10;
``docs/payments.md``, "Reconciliation with the provider's statement")."""

from __future__ import annotations

import attrs
import pendulum
from pendulum import Date, DateTime, Duration

from booking_core.errors import DateOutOfRange, NotFound, PaymentError
from booking_core.orders import Actor
from booking_core.orders.statements import (
    Applied,
    EntryKind,
    StatementCheck,
    StatementEntry,
    compare_statement,
)
from booking_core.ports.clock import Clock
from booking_core.ports.jobs import Job
from booking_core.ports.payments import PaymentGateway, StatementSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.routing import PaymentRouting
from booking_core.services._access import require_permission
from booking_core.services.jobs import JobKind
from booking_core.staff import Permission

__all__ = ["StatementPolicy", "StatementService"]

#: The first day a statement may be checked for (earlier ones are typing mistakes).
_FIRST_DAY = pendulum.date(2000, 1, 1)


@attrs.frozen
class StatementPolicy:
    """When statements are checked and how late a movement may show on them.

    Attributes:
        check_at: The hour of the next day (in the provider's zone) the day's statement is
            fetched and checked — WeChat Pay's and Alipay's bills are ready by 10:00.
        tolerance: How long after we applied it the provider may list a movement on its
            next day's statement (our window is ``[start - tolerance, end - tolerance)``).
        retry_for: How long the daily job asks again (hourly) for a statement that is not
            ready, before it gives the day up to the dead letters.
    """

    check_at: int = 10
    tolerance: Duration = attrs.field(factory=lambda: pendulum.duration(minutes=15))
    retry_for: Duration = attrs.field(factory=lambda: pendulum.duration(hours=48))


class StatementService:
    """Checks providers' statements against our money and keeps the outcome for finance."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        gateway: PaymentGateway | PaymentRouting,
        policy: StatementPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._routing = PaymentRouting.of(gateway)
        self._policy = policy or StatementPolicy()

    @property
    def providers(self) -> tuple[str, ...]:
        """The providers whose statements can be checked."""
        return tuple(g.name for g in self._routing.gateways if isinstance(g, StatementSource))

    def check(self, provider: str, day: Date, actor: Actor) -> StatementCheck:
        """Fetch ``provider``'s statement of ``day``, match it and store the outcome (it
        replaces an earlier check of that day); finance staff (``books``) only.

        Raises:
            PermissionDenied: the actor may not read the books.
            DateOutOfRange: ``day`` is after today (the provider's), or before 2000.
            PaymentError: no such provider, it has no statements, or it could not give this
                one (not ready yet, unreachable); nothing is stored.
        """
        require_permission(actor, Permission.BOOKS, "checks a provider's statement")
        return self.run_check(provider, day)

    def run_check(self, provider: str, day: Date) -> StatementCheck:
        """:meth:`check` for the scheduled job (no actor).

        Raises:
            DateOutOfRange: ``day`` is after today in the provider's zone, or before 2000.
        """
        source = self._source(provider)
        today = self._clock.now().in_timezone(source.statement_zone).date()
        if not _FIRST_DAY <= day <= today:
            raise DateOutOfRange(
                f"A statement can be checked for a day from {_FIRST_DAY.isoformat()} to today "
                f"({today.isoformat()} for {provider}); not {day.isoformat()}.",
                details={"field": "day"},
            )
        entries = source.statement(day)
        start = pendulum.datetime(day.year, day.month, day.day, tz=source.statement_zone)
        end = start.add(days=1)
        tolerance = self._policy.tolerance
        with self._uow() as uow:
            default = self._routing.default.name
            applied = [
                m
                for m in uow.movements.between(start - tolerance, end - tolerance)
                if (m.gateway or default) == provider
            ]
            named = uow.movements.find([_movement_key(e) for e in entries])
            ours = {m.key: Applied.of(m) for m in (*applied, *named)}
            differences = compare_statement(
                entries, list(ours.values()), in_window=[m.subject for m in applied]
            )
            check = StatementCheck(provider, day, self._clock.now(), len(entries), differences)
            uow.statements.save(check)
            uow.commit()
        return check

    def get(self, provider: str, day: Date, actor: Actor) -> StatementCheck:
        """The check of ``provider``'s statement of ``day``; finance staff only.

        Raises:
            NotFound: (``statement_check_not_found``) it was not checked.
        """
        require_permission(actor, Permission.BOOKS, "reads statement checks")
        with self._uow() as uow:
            found = uow.statements.get(provider, day)
        if found is None:
            raise NotFound("statement_check", f"{provider}:{day.isoformat()}")
        return found

    def checks(
        self,
        actor: Actor,
        *,
        provider: str | None = None,
        after: tuple[Date, str] | None = None,
        limit: int = 50,
    ) -> list[StatementCheck]:
        """The checks, newest day first (then by provider), of one provider or all, after
        the check of ``(day, provider)`` when given; finance staff only."""
        require_permission(actor, Permission.BOOKS, "reads statement checks")
        with self._uow() as uow:
            return uow.statements.recent(provider=provider, after=after, limit=limit)

    # -- the daily job --------------------------------------------------------------------

    def start_jobs(self, at: DateTime | None = None) -> None:
        """Schedule each provider's check of the day before ``at`` (now), at the policy's
        hour; each run schedules the next day's. Job ids name provider and day, so starting
        again (every worker, every restart) schedules nothing twice."""
        at = at or self._clock.now()
        for provider in self.providers:
            zone = self._source(provider).statement_zone
            self._schedule(provider, at.in_timezone(zone).date().subtract(days=1))

    def run_statement_job(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler (``check_statement``, subject ``<provider>:<day>``): schedule the next
        day's check (it never waits for this one), then check this day. A statement not
        ready yet is asked again every hour for ``policy.retry_for``; after that the error
        is raised, and the job ends among the dead letters operations see."""
        provider, _, day_text = job.subject.rpartition(":")
        day = pendulum.Date.fromisoformat(day_text)
        self._schedule(provider, day.add(days=1))
        try:
            self.run_check(provider, day)
        except PaymentError:
            if now < self._due(provider, day) + self._policy.retry_for:
                return now.add(hours=1)
            raise
        return None

    def _schedule(self, provider: str, day: Date) -> None:
        subject = f"{provider}:{day.isoformat()}"
        kind = JobKind.CHECK_STATEMENT.value
        with self._uow() as uow:
            uow.jobs.schedule(Job(f"{kind}:{subject}", kind, subject, self._due(provider, day)))
            uow.commit()

    def _due(self, provider: str, day: Date) -> DateTime:
        """When ``day``'s statement is first checked: the policy's hour the next day."""
        zone = self._source(provider).statement_zone
        due = pendulum.datetime(day.year, day.month, day.day, self._policy.check_at, tz=zone)
        return due.add(days=1)

    def _source(self, provider: str) -> StatementSource:
        gateway = self._routing.named(provider)
        if not isinstance(gateway, StatementSource):
            raise PaymentError(
                f"Payment provider {provider!r} offers no statements to check.",
                details={"reason": "statement_not_supported", "provider": provider},
            )
        return gateway


def _movement_key(entry: StatementEntry) -> str:
    return f"{entry.key}:{'captured' if entry.kind is EntryKind.PAYMENT else 'refunded'}"
