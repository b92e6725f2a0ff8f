"""Nights in Telegram: one announcement per night per chat, with RSVP buttons and, while the
date is being chosen, one button per candidate time; presses answer as that Telegram user's
member; a cancellation is announced once more, on its own.

Announcements travel through the outbox. The first one in a chat sends the message; a later
one (the date picked, a reschedule) edits that message in place, so a chat never holds two
copies of a night. What the message says comes from the night alone — a rescheduled night
keeps "перенесён, было …" (nights.previous_starts_at) — so the throttled edits that follow the
answers (a message is re-rendered when its night moved on, at most once per EDIT_INTERVAL)
show the same announcement.
"""

from __future__ import annotations

from datetime import datetime
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...clients.formats import escape_html
from ...models import Night, NightMessage, Notification, utcnow
from ..bot import commands as bot_commands
from .. import events, members, message_edits, notifications
from .answers import answer_rsvp, answers, toggle_availability
from .core import NightClosed, NightNotFound, UnknownOption, get_night, status_of
from .film import night_film
from .zones import group_zone
from .zones import spoken as spoken_zone

RSVP_PREFIX, DATE_PREFIX = "nr", "nd"  # "nr:<public id>:<g|m|n>", "nd:<public id>:<option id>"
RSVP_CODES = {"g": "going", "m": "maybe", "n": "no"}
NAMES_MAX = 30  # names listed per answer; the count says the rest


def when_text(value: datetime) -> str:
    """The date and time in the group's zone, in the current language (a list of candidate times
    names the zone once)."""
    return notifications.datetime_text(value, group_zone())


def when_in_zone(value: datetime) -> str:
    """«вс, 8 дек. 2030 г., 20:00 по Москве», in the current language."""
    return f"{when_text(value)} {spoken_zone()}"


def night_url(site_url: str | None, public_id: str) -> str | None:
    return f"{site_url}/n/{public_id}" if site_url else None


def state_of(night: Night) -> str:
    return f"{night.version}:{status_of(night)}"


@events.night_created.connect
def _on_created(session: Session, night: Night) -> None:
    notifications.enqueue(session, "night_announced", {"public_id": night.public_id, "reason": "new"})


@events.night_scheduled.connect
def _on_scheduled(session: Session, night: Night, previous_start: datetime | None, created: bool) -> None:
    if not created:
        notifications.enqueue(
            session,
            "night_announced",
            {
                "public_id": night.public_id,
                "reason": "rescheduled" if previous_start else "scheduled",
                "previous": previous_start.isoformat() if previous_start else None,
            },
        )


@events.night_cancelled.connect
def _on_cancelled(session: Session, night: Night) -> None:
    notifications.enqueue(session, "night_cancelled", {"public_id": night.public_id})


def _names(names: list[str], count: int) -> str:
    """«Аня, Боря +2» (the others: past NAMES_MAX, or without a name); "" when nobody has a name,
    the count alone says it."""
    if not names:
        return ""
    shown = ", ".join(escape_html(n) for n in names[:NAMES_MAX])
    hidden = count - min(len(names), NAMES_MAX)
    return shown + (f" +{hidden}" if hidden > 0 else "")


def message(session: Session, night: Night, site_url: str | None) -> tuple[str, dict | None]:
    """The announcement as it should look now: (Telegram HTML, inline keyboard or None once over)."""
    found = answers(session, night)
    status = status_of(night)
    film = night_film(session, night)
    title = escape_html(night.title)
    with force_locale(notifications.message_locale()):
        if status == "cancelled":
            lines = [_("❌ Киновечер «%(title)s» отменён.", title=title)]
        elif night.previous_starts_at is not None:
            lines = [
                _("🔁 Киновечер «%(title)s» перенесён.", title=title),
                _("Было: %(when)s", when=when_in_zone(night.previous_starts_at)),
            ]
        else:
            lines = [_("🎬 Киновечер «%(title)s»", title=title)]
        if night.starts_at is not None:
            lines.append(_("Когда: %(when)s", when=when_in_zone(night.starts_at)))
        else:
            lines.append(_("Когда удобно? Отметьте все подходящие варианты (время %(zone)s):", zone=spoken_zone()))
            best = set(found.best_options())
            for option in night.options:
                count = found.option_counts.get(option.id, 0)
                mark = "⭐ " if option.id in best else "• "
                names = _names(found.option_names.get(option.id, []), count)
                lines.append(mark + when_text(option.starts_at) + f" — {count}" + (f" ({names})" if names else ""))
        if night.place and notifications.for_members():
            lines.append(_("Где: %(place)s", place=escape_html(night.place)))
        if film is not None:
            lines.append(
                _(
                    "Смотрим: %(film)s",
                    film=f"<b>{escape_html(film.title)}</b>" + (f" ({film.year})" if film.year else ""),
                )
            )
        labels = rsvp_labels()
        for key in ("going", "maybe", "no"):
            names = _names(found.rsvp_names[key], found.rsvp_counts[key])
            lines.append(f"{labels[key]} — {found.rsvp_counts[key]}" + (f": {names}" if names else ""))
        url = night_url(site_url, night.public_id)
        if url:
            lines.append(url)
        if status not in ("planning", "scheduled"):
            return "\n".join(lines), None
        rows = []
        if status == "planning":
            for option in night.options:
                label = when_text(option.starts_at) + f" · {found.option_counts.get(option.id, 0)}"
                rows.append([{"text": label, "callback_data": f"{DATE_PREFIX}:{night.public_id}:{option.id}"}])
        rows.append(
            [
                {
                    "text": f"{labels[answer]} · {found.rsvp_counts[answer]}",
                    "callback_data": f"{RSVP_PREFIX}:{night.public_id}:{code}",
                }
                for code, answer in RSVP_CODES.items()
            ]
        )
    return "\n".join(lines), {"inline_keyboard": rows}


def rsvp_labels() -> dict[str, str]:
    return {"going": _("✅ Иду"), "maybe": _("🤔 Может быть"), "no": _("❌ Не смогу")}


def _night_of(session: Session, notification: Notification) -> Night | None:
    try:
        return get_night(session, notification.payload["public_id"])
    except NightNotFound:
        return None


@notifications.composer("night_announced")
def _compose_announcement(session: Session, notification: Notification, site_url: str | None):
    """The text alone (a Web Push reuses it); the bot's chats get it through _announce."""
    night = _night_of(session, notification)
    return None if night is None else message(session, night, site_url)


def _shown_in(session: Session, night: Night, chat_id: str) -> NightMessage | None:
    return session.scalar(
        select(NightMessage)
        .where(NightMessage.night_id == night.id, NightMessage.chat_id == chat_id)
        .order_by(NightMessage.id.desc())
        .limit(1)
    )


@notifications.sender("night_announced")
def _announce(
    session: Session, notification: Notification, chat_id: str, site_url: str | None
) -> notifications.Prepared | None:
    """The night's message for this chat: a new one, or an edit of the one it has there already
    (read now; sent by the worker with no transaction open)."""
    night = _night_of(session, notification)
    if night is None:
        return None
    text, keyboard = message(session, night, site_url)
    shown = _shown_in(session, night, chat_id)
    shown_id = shown.message_id if shown is not None else None

    def send(client) -> dict:
        from ...clients import telegram as bot_api  # the worker's (web processes leave requests unimported)

        if shown_id is not None:
            try:
                edited = client.edit_message_text(chat_id, shown_id, text, reply_markup=keyboard)
                return edited if isinstance(edited, dict) else {"message_id": shown_id}
            except bot_api.TelegramRetryLater:
                raise
            except bot_api.TelegramError as exc:
                description = exc.description.lower()
                if "not modified" in description:
                    return {"message_id": shown_id}
                if not any(marker in description for marker in bot_api.EDIT_GONE_MARKERS):
                    raise
                # deleted in the chat, or too old to edit: a new message takes its place
        return client.send_text(chat_id, text, reply_markup=keyboard)

    return notifications.Prepared(send)


@notifications.after_send("night_announced")
def _remember(session: Session, notification: Notification, chat_id: str, sent: dict) -> None:
    night = _night_of(session, notification)
    if night is None or sent.get("message_id") is None:
        return
    shown = _shown_in(session, night, chat_id)
    if shown is None:
        session.add(
            NightMessage(night_id=night.id, chat_id=chat_id, message_id=sent["message_id"], shown=state_of(night))
        )
        return
    shown.message_id, shown.shown, shown.edited_at = sent["message_id"], state_of(night), utcnow()


@notifications.composer("night_cancelled")
def _compose_cancellation(session: Session, notification: Notification, site_url: str | None):
    night = _night_of(session, notification)
    if night is None:
        return None
    with force_locale(notifications.message_locale()):
        when = when_in_zone(night.starts_at) if night.starts_at else _("дата не была выбрана")
        text = _("❌ Киновечер «%(title)s» (%(when)s) отменён.", title=escape_html(night.title), when=when)
    url = night_url(site_url, night.public_id)
    return (text + ("\n" + url if url else "")), None


@bot_commands.callback(RSVP_PREFIX, DATE_PREFIX)
def on_callback(session: Session, query: dict) -> str:
    """A press: answer (or mark a candidate time) as that Telegram user's member. The caller commits."""
    prefix, _sep, rest = str(query.get("data") or "").partition(":")
    public_id, _sep, value = rest.partition(":")
    with force_locale(notifications.message_locale()):
        try:
            night = get_night(session, public_id)
            member = members.member_for_telegram(session, query["from"])
            if prefix == RSVP_PREFIX:
                if value not in RSVP_CODES:
                    return _("Эта кнопка ничего не делает.")
                answer_rsvp(session, night, member.id, RSVP_CODES[value])
                return _("Ваш ответ: %(answer)s", answer=rsvp_labels()[RSVP_CODES[value]])
            if not value.isdigit():
                return _("Эта кнопка ничего не делает.")
            marked = toggle_availability(session, night, member.id, int(value))
            option = next(o for o in night.options if o.id == int(value))
            return (_("Подходит: %(when)s") if marked else _("Не подходит: %(when)s")) % {
                "when": when_text(option.starts_at)
            }
        except NightNotFound:
            return _("Этого вечера больше нет.")
        except UnknownOption:
            return _("Такого варианта нет.")
        except NightClosed as exc:
            session.rollback()
            return {
                "cancelled": _("Вечер отменён."),
                "started": _("Вечер уже начался: ответы закрыты."),
                "not_planning": _("Дата уже выбрана."),
            }[exc.code]


def due_edits(session: Session, limit: int = 20) -> list[tuple[NightMessage, Night]]:
    """Announcements showing an older state of their night, not edited within EDIT_INTERVAL."""
    return message_edits.due_edits(session, NightMessage, Night, NightMessage.night_id, state_of, limit)


def render_edit(session: Session, night: Night, site_url: str | None) -> tuple[str, dict | None]:
    return message(session, night, site_url)


def mark_edited(night_message: NightMessage, night: Night) -> None:
    night_message.shown = state_of(night)
    night_message.edited_at = utcnow()
