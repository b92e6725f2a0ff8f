"""After a night with a film, the bot asks "Как вам «…»?" once in the subscribed chats, with
buttons 1–10 in two rows. A press rates the film as that Telegram user (their member); the
message shows the average and how many rated, edited in place at most once per EDIT_INTERVAL.

Exactly once: scheduling a night arms one due job under a key of its own (rescheduling moves a
pending one, a done one stays done); the job's handler puts the request in the outbox in the
commit that marks the job done (services/due_jobs.py).

The night's end follows what becomes known later: a film's length fetched from Kinopoisk or a
lottery drawn after the night was planned moves the pending request; and a request whose night
turns out to end later than its time (a length learnt some other way) waits for that end.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...clients.formats import escape_html
from ...models import DueJob, Film, Night, Notification, RatingMessage, as_utc, utcnow
from ..bot import commands as bot_commands
from .. import due_jobs, events, members, message_edits, nights, notifications
from .scores import FilmNotFound, InvalidScore, rate, rounded

KIND = "film_rating_request"
CALLBACK_PREFIX = "fr"  # callback_data "fr:<film id>:<score>"
DEFAULT_LENGTH = timedelta(hours=3)  # a night whose film's length is unknown ends 3 hours after its start
LONGEST_NIGHT = timedelta(days=1)  # no film is longer


def job_prefix(night_id: int) -> str:
    # Not "night:<id>:": the nights' own jobs are cancelled under that prefix on every reschedule.
    return f"rate:night:{night_id}:"


def night_film_id(session: Session, night: Night) -> int | None:
    """The library film a night watches (its own, its lottery's winner, its poll's result)."""
    watched = nights.night_film(session, night)
    return watched.film_id if watched else None


def night_ends_at(session: Session, night: Night) -> datetime:
    if night.starts_at is None:
        raise ValueError("a night without a start has no end")
    film_id = night_film_id(session, night)
    length = session.scalar(select(Film.length_minutes).where(Film.id == film_id)) if film_id else None
    return as_utc(night.starts_at) + (timedelta(minutes=length) if length else DEFAULT_LENGTH)


@events.night_scheduled.connect
def _arm(session: Session, night: Night, **_kwargs) -> None:
    due_jobs.cancel(session, job_prefix(night.id))  # a pending request follows the night's new time
    ends_at = night_ends_at(session, night)
    due_jobs.schedule(session, job_prefix(night.id) + "request", KIND, ends_at, armed_for(night, ends_at))


def armed_for(night: Night, ends_at: datetime) -> dict:
    return {"night_id": night.id, "ends_at": ends_at.isoformat()}


@events.night_cancelled.connect
def _disarm(session: Session, night: Night, **_kwargs) -> None:
    due_jobs.cancel(session, job_prefix(night.id))


@events.film_length_known.connect
@events.lottery_drawn.connect
def rearm_pending(session: Session, **_kwargs) -> None:
    """Move every pending request to its night's end as now known (a handful: one per night
    that has not ended yet). The caller commits."""
    for job in session.scalars(select(DueJob).where(DueJob.kind == KIND, DueJob.done_at.is_(None))):
        night = session.get(Night, job.payload["night_id"])
        if night is not None and night.starts_at is not None:
            job.due_at = night_ends_at(session, night)
            job.payload = armed_for(night, job.due_at)
    session.flush()


@due_jobs.rearmed_by(KIND)
def rearm_all(session: Session) -> None:
    """After a restore: the request of every scheduled night that has not ended yet. The caller commits."""
    now = utcnow()
    recent = select(Night).where(Night.status == "scheduled", Night.starts_at > now - LONGEST_NIGHT)
    for night in session.scalars(recent).all():
        if night_ends_at(session, night) > now:
            _arm(session, night)


@due_jobs.handler(KIND)
def _ask(session: Session, payload: dict) -> None:
    night = session.get(Night, payload["night_id"])
    if night is None or night.status != "scheduled" or night.starts_at is None:
        return
    ends_at = night_ends_at(session, night)
    armed = payload.get("ends_at")
    if armed and ends_at > datetime.fromisoformat(armed):  # the film turned out longer than when this was armed
        due_jobs.schedule(
            session,
            f"{job_prefix(night.id)}request:{int(ends_at.timestamp())}",
            KIND,
            ends_at,
            armed_for(night, ends_at),
        )
        return
    film_id = night_film_id(session, night)
    if film_id is not None:
        notifications.enqueue(session, KIND, {"film_id": film_id, "night_id": night.id})


def shown_state(film: Film) -> str:
    return f"{film.ratings_count}:{rounded(film.ratings_average)}"


def film_url(site_url: str | None, film_id: int) -> str | None:
    return f"{site_url}/films/{film_id}" if site_url else None


def message(film: Film, site_url: str | None) -> tuple[str, dict]:
    """The request as it should look now: (Telegram HTML, the 1–10 keyboard)."""
    with force_locale(notifications.message_locale()):
        title = escape_html(film.title) + (f" ({film.year})" if film.year else "")
        lines = [_("🍿 Как вам «%(title)s»?", title=title)]
        if film.ratings_count:
            lines.append(
                ngettext(
                    "Средняя оценка %(average)s — %(num)d оценка",
                    "Средняя оценка %(average)s — %(num)d оценок",
                    film.ratings_count,
                    average=f"{rounded(film.ratings_average):.1f}",
                )
            )
        else:
            lines.append(_("Оцените от 1 до 10."))
        url = film_url(site_url, film.id)
        if url:
            lines.append(url)
    keyboard = [
        [{"text": str(n), "callback_data": f"{CALLBACK_PREFIX}:{film.id}:{n}"} for n in row]
        for row in (range(1, 6), range(6, 11))
    ]
    return "\n".join(lines), {"inline_keyboard": keyboard}


def render_edit(_session: Session, film: Film, site_url: str | None) -> tuple[str, dict]:
    return message(film, site_url)


@notifications.composer(KIND)
def _compose(session: Session, notification: Notification, site_url: str | None) -> tuple[str, dict | None] | None:
    film = session.get(Film, notification.payload["film_id"])
    return None if film is None else message(film, site_url)


@notifications.after_send(KIND)
def _remember(session: Session, notification: Notification, chat_id: str, sent: dict) -> None:
    film = session.get(Film, notification.payload["film_id"])
    if film is not None and sent.get("message_id") is not None:
        session.add(
            RatingMessage(film_id=film.id, chat_id=chat_id, message_id=sent["message_id"], shown=shown_state(film))
        )


@bot_commands.callback(CALLBACK_PREFIX)
def on_callback(session: Session, query: dict) -> str:
    """A button press: rate as that Telegram user. Returns the short answer. The caller commits."""
    data = str(query.get("data") or "")
    user = query.get("from") or {}
    prefix, film_id, score = (data.split(":") + ["", ""])[:3]
    with force_locale(notifications.message_locale()):
        if prefix != CALLBACK_PREFIX or not film_id.isdigit() or not score.isdigit() or user.get("id") is None:
            return _("Эта кнопка ничего не делает.")
        try:
            member = members.member_for_telegram(session, user)
            rate(session, int(film_id), member.id, int(score))
        except FilmNotFound:
            session.rollback()
            return _("Этого фильма больше нет в библиотеке.")
        except InvalidScore:
            session.rollback()
            return _("Эта кнопка ничего не делает.")
        return _("Ваша оценка: %(score)d", score=int(score))


def due_edits(session: Session, limit: int = 20) -> list[tuple[RatingMessage, Film]]:
    """Requests showing an older average than their film's, not edited within EDIT_INTERVAL."""
    return message_edits.due_edits(session, RatingMessage, Film, RatingMessage.film_id, shown_state, limit)


def mark_edited(rating_message: RatingMessage, film: Film) -> None:
    rating_message.shown = shown_state(film)
    rating_message.edited_at = utcnow()
