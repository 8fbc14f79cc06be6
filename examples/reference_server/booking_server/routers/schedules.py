"""A technician's schedule, calendar and real-time status (FEATURES T3, T4, S3, C5).

``/technicians/{technician_id}/schedule`` is what shapes his availability beyond the weekly
hours: date overrides, time off, the daily cap, his self-set status (he, his store or the
platform change them) and the store's rota shifts (his store or the platform). Each change
answers the whole schedule with its new ``version``, also sent as the ``ETag``
(``"3"``). A change may carry ``If-Match: "3"``, the version the client read: when the
schedule has moved on, nothing changes and the answer is 409 ``concurrent_update`` with
``details.current_version`` (so a client never overwrites a change it has not seen). Who may
do what is the core's (:class:`~booking_core.services.calendar.ScheduleService`); the routes
only map.
"""

from __future__ import annotations

from typing import Annotated

import pendulum
from fastapi import APIRouter, Header, Path, Query, Response, status

from booking_core.bootstrap import BookingApp
from booking_core.ids import TechnicianId
from booking_core.scheduling import Technician
from booking_core.scheduling.schedule import WorkSchedule
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import (
    ID_PATTERN,
    CalendarOut,
    DailyCapIn,
    DailyMinutesCapIn,
    DateOverrideIn,
    Day,
    ScheduleOut,
    ShiftIn,
    TechnicianStatusOut,
    TimeOffIn,
    WorkStatusIn,
)

__all__ = ["router"]

router = APIRouter(tags=["schedules"], responses=problem_responses(404, 422))

# Every change is one compare-and-set save: a change that loses a race answers 409.
_CHANGE = problem_responses(401, 403, 409)

OverrideDay = Annotated[
    Day, Path(description="His local date, YYYY-MM-DD (years 2000–2100).", examples=["2026-03-04"])
]
ShiftId = Annotated[
    str, Path(pattern=ID_PATTERN, description="The shift's id, chosen by the store.")
]
TimeOffId = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="The time off's id, as the schedule shows it.",
        examples=["off_4"],
    ),
]
#: An entity tag of the schedule: its version in quotes, as the ETag header gives it. The
#: quotes may be left out (some HTTP clients drop them), and a weak tag (``W/"3"``) is
#: taken as the same version: a version names one state of the schedule.
IF_MATCH_PATTERN = r'^(W/)?("[0-9]{1,9}"|[0-9]{1,9})$'
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        pattern=IF_MATCH_PATTERN,
        description='The schedule\'s version you read, as its ETag gives it ("3"; the quotes '
        "may be left out): "
        "the change is made only if the schedule is still at that version (otherwise 409 "
        "`concurrent_update`, with `details.current_version`).",
        examples=['"3"'],
    ),
]


def _technician(app: BookingApp, technician_id: str) -> Technician:
    return app.technicians.get(TechnicianId(technician_id))


def _version(if_match: str | None) -> int | None:
    # The header's pattern admits only a whole number, quoted or not, weak or not.
    return None if if_match is None else int(if_match.removeprefix("W/").strip('"'))


def _tagged(response: Response, schedule: WorkSchedule) -> WorkSchedule:
    response.headers["ETag"] = f'"{schedule.version}"'
    return schedule


def _out(app: BookingApp, schedule: WorkSchedule, response: Response) -> ScheduleOut:
    zone = _technician(app, schedule.technician_id).time_zone
    return ScheduleOut.from_domain(_tagged(response, schedule), zone)


@router.get(
    "/technicians/{technician_id}/schedule",
    summary="A technician's schedule",
    responses=problem_responses(401, 403),
)
def get_schedule(
    technician_id: str, app: Booking, actor: CurrentActor, response: Response
) -> ScheduleOut:
    """His date overrides, time off, rota shifts, daily cap and self-set status, with the
    schedule's ``version`` (an empty schedule, version 0, until something is set), also as
    the ``ETag``."""
    return _out(app, app.schedules.get(TechnicianId(technician_id), actor), response)


@router.put(
    "/technicians/{technician_id}/schedule/overrides/{date}",
    summary="Set his hours on one date (he, his store or the platform)",
    responses=_CHANGE,
)
def set_date_override(
    technician_id: str,
    date: OverrideDay,
    body: DateOverrideIn,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """Replace his weekly hours on one local date (an empty ``hours``: the day off).
    Time off and rota shifts still take precedence over it."""
    changed = app.schedules.set_override(
        actor,
        TechnicianId(technician_id),
        body.to_domain(date),
        expected_version=_version(if_match),
    )
    return _out(app, changed, response)


@router.delete(
    "/technicians/{technician_id}/schedule/overrides/{date}",
    summary="Back to his weekly hours on one date (he, his store or the platform)",
    responses=_CHANGE,
)
def clear_date_override(
    technician_id: str,
    date: OverrideDay,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """Drop his override of that date, if any: his weekly hours apply again."""
    day = pendulum.Date(date.year, date.month, date.day)
    changed = app.schedules.clear_override(
        actor, TechnicianId(technician_id), day, expected_version=_version(if_match)
    )
    return _out(app, changed, response)


@router.post(
    "/technicians/{technician_id}/schedule/time-off",
    status_code=status.HTTP_201_CREATED,
    summary="Add time off (he, his store or the platform)",
    responses=_CHANGE,
)
def add_time_off(
    technician_id: str,
    body: TimeOffIn,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """Leave, a holiday or an appointment: whole local days (``first_day``, ``last_day``)
    or a period (``start``, ``end``). Bookings already in it stay: cancel them on purpose.
    The new entry's ``id`` is ``off_`` and the schedule's new version."""
    technician = _technician(app, technician_id)
    changed = app.schedules.add_time_off(
        actor, technician.id, body.to_domain(technician), expected_version=_version(if_match)
    )
    return ScheduleOut.from_domain(_tagged(response, changed), technician.time_zone)


@router.delete(
    "/technicians/{technician_id}/schedule/time-off/{time_off_id}",
    summary="Remove time off (he, his store or the platform)",
    responses=_CHANGE,
)
def remove_time_off(
    technician_id: str,
    time_off_id: TimeOffId,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """Take back time off: its time is working time again and offered to customers.
    Platform staff need the ``technicians`` permission. 404 ``time_off_not_found`` when he
    has no such entry."""
    changed = app.schedules.remove_time_off(
        actor, TechnicianId(technician_id), time_off_id, expected_version=_version(if_match)
    )
    return _out(app, changed, response)


@router.put(
    "/technicians/{technician_id}/schedule/daily-cap",
    summary="Set his daily booking cap (he, his store or the platform)",
    responses=_CHANGE,
)
def set_daily_cap(
    technician_id: str,
    body: DailyCapIn,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """At most ``daily_cap`` bookings per local day (null: no cap); a booking past it is
    refused with 409 ``daily_cap_reached``."""
    changed = app.schedules.set_daily_cap(
        actor, TechnicianId(technician_id), body.daily_cap, expected_version=_version(if_match)
    )
    return _out(app, changed, response)


@router.put(
    "/technicians/{technician_id}/schedule/daily-minutes-cap",
    summary="Set his daily cap of booked minutes (he, his store or the platform)",
    responses=_CHANGE,
)
def set_daily_minutes_cap(
    technician_id: str,
    body: DailyMinutesCapIn,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """At most ``daily_minutes_cap`` minutes of service booked per local day (null: no
    cap): a slot whose service would pass it is not offered, and booking it is refused with
    409 ``daily_cap_reached``."""
    changed = app.schedules.set_daily_minutes_cap(
        actor,
        TechnicianId(technician_id),
        body.daily_minutes_cap,
        expected_version=_version(if_match),
    )
    return _out(app, changed, response)


@router.put(
    "/technicians/{technician_id}/schedule/status",
    summary="Set his work status (he, his store or the platform)",
    responses=_CHANGE,
)
def set_work_status(
    technician_id: str,
    body: WorkStatusIn,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """Online, offline, resting or in service, as he sets it in his app; what customers
    see is ``GET /technicians/{technician_id}/status``."""
    changed = app.schedules.set_status(
        actor, TechnicianId(technician_id), body.status, expected_version=_version(if_match)
    )
    return _out(app, changed, response)


@router.put(
    "/technicians/{technician_id}/schedule/shifts/{shift_id}",
    summary="Put him on a rota shift (his store or the platform)",
    responses=_CHANGE,
)
def assign_shift(
    technician_id: str,
    shift_id: ShiftId,
    body: ShiftIn,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """Assign (or replace) the shift ``shift_id``: on that date its hours are his working
    time. Only for his own store's shifts (422 otherwise); shifts of a day must not
    overlap."""
    changed = app.schedules.assign_shift(
        actor,
        TechnicianId(technician_id),
        body.to_domain(shift_id),
        expected_version=_version(if_match),
    )
    return _out(app, changed, response)


@router.delete(
    "/technicians/{technician_id}/schedule/shifts/{shift_id}",
    summary="Take him off a rota shift (his store or the platform)",
    responses=_CHANGE,
)
def remove_shift(
    technician_id: str,
    shift_id: ShiftId,
    app: Booking,
    actor: CurrentActor,
    response: Response,
    if_match: IfMatch = None,
) -> ScheduleOut:
    """Remove the shift, if he has it."""
    changed = app.schedules.remove_shift(
        actor, TechnicianId(technician_id), shift_id, expected_version=_version(if_match)
    )
    return _out(app, changed, response)


@router.get(
    "/technicians/{technician_id}/calendar/day",
    summary="His calendar of one day",
    responses=problem_responses(401, 403),
)
def calendar_day(
    technician_id: str,
    app: Booking,
    actor: CurrentActor,
    date: Annotated[Day, Query(description="His local day, YYYY-MM-DD (years 2000–2100).")],
) -> CalendarOut:
    """His working time that local day, the bookings and holds that take it, the time
    left free and his time off; times in his zone."""
    technician = _technician(app, technician_id)
    day = pendulum.Date(date.year, date.month, date.day)
    return CalendarOut.from_domain(technician, [app.calendar.day(technician.id, day, actor)])


@router.get(
    "/technicians/{technician_id}/calendar/week",
    summary="His calendar of seven days",
    responses=problem_responses(401, 403),
)
def calendar_week(
    technician_id: str,
    app: Booking,
    actor: CurrentActor,
    first_day: Annotated[
        Day, Query(description="The first of the seven local days, YYYY-MM-DD (2000–2100).")
    ],
) -> CalendarOut:
    """Seven local days from ``first_day``, each as in the day's calendar."""
    technician = _technician(app, technician_id)
    first = pendulum.Date(first_day.year, first_day.month, first_day.day)
    return CalendarOut.from_domain(technician, app.calendar.week(technician.id, first, actor))


@router.get("/technicians/{technician_id}/status", summary="His real-time status")
def technician_status(technician_id: str, app: Booking) -> TechnicianStatusOut:
    """What customers see now (public): offline or resting as he set it, in service during
    a booking, booked when a booking waits later today, otherwise online."""
    technician = _technician(app, technician_id)
    return TechnicianStatusOut.from_domain(app.calendar.status(technician.id), technician.time_zone)
