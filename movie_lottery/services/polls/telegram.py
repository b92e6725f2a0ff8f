"""Polls in Telegram: the announcement with one button per film, voting by button as the
Telegram user, its counts kept up to date by throttled edits, and the result announced once.

Announcements and results travel through the outbox (services/notifications.py); the edits
follow the database state instead of events: a message is re-rendered when its poll moved
on (version, or the deadline passed), at most once per EDIT_INTERVAL whatever the vote rate.
"""

from __future__ import annotations

from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ...clients.formats import escape_html
from ...models import Notification, Poll, PollMessage, utcnow
from .. import events, members, message_edits, notifications, polls
from ..bot import commands as bot_commands
from . import presses
from ..sql import affected_rows

# callback_data "pv:<public id>:<entry id>", "pv:<public id>:r" (reset) or "pv:<public id>:v" (veto),
# well under Telegram's 64 bytes
CALLBACK_PREFIX = "pv"
RESET, VETO = "r", "v"
EDIT_INTERVAL = message_edits.EDIT_INTERVAL
BUTTON_TEXT_MAX = 60
ANSWER_MAX = 200  # answerCallbackQuery's text: 0-200 characters
TITLE_MAX = 100  # 25 films stay one message (4096 characters), so edits always fit


@events.poll_created.connect
def _on_poll_created(session: Session, poll: Poll) -> None:
    notifications.enqueue(session, "poll_created", {"public_id": poll.public_id})


def poll_url(site_url: str | None, public_id: str) -> str | None:
    return f"{site_url}/p/{public_id}" if site_url else None


def state_of(poll: Poll) -> str:
    return f"{poll.version}:{'closed' if poll.is_closed() else 'open'}"


def _name(poll: Poll) -> str:
    return escape_html(poll.title or _("Голосование %(id)s", id=poll.public_id))


def _film(entry) -> str:
    title = entry.title if len(entry.title) <= TITLE_MAX else entry.title[: TITLE_MAX - 1] + "…"
    return escape_html(title) + (f" ({entry.year})" if entry.year else "")


def message(session: Session, poll: Poll, site_url: str | None) -> tuple[str, dict | None]:
    """The announcement as it should look now: (Telegram HTML, inline keyboard or None once closed)."""
    counts = polls.tally(session, poll)
    closed = poll.is_closed()
    shown = closed or not poll.hide_results
    with force_locale(notifications.message_locale()):
        lines = [
            _("🗳 Голосование «%(name)s» закрыто.", name=_name(poll))
            if closed
            else _("🗳 Голосуем: «%(name)s»", name=_name(poll))
        ]
        for entry in poll.entries:
            lines.append(f"• {_film(entry)}" + (f" — {counts.get(entry.id, 0)}" if shown else ""))
        if closed:
            lines.append(polls.result_line(polls.winner(session, poll), lambda entry: f"<b>{_film(entry)}</b>"))
        else:
            lines.extend(_how_to_vote(poll))
            lines.append(
                _("Голос можно менять до %(when)s.", when=format_datetime(poll.ends_at(), "d MMMM, HH:mm (zzzz)"))
            )
        url = poll_url(site_url, poll.public_id)
        if url:
            lines.append(url)
    if closed:
        return "\n".join(lines), None
    buttons = []
    for entry in poll.entries:
        label = entry.title + (f" · {counts.get(entry.id, 0)}" if shown else "")
        if len(label) > BUTTON_TEXT_MAX:
            label = label[: BUTTON_TEXT_MAX - 1] + "…"
        buttons.append([{"text": label, "callback_data": f"{CALLBACK_PREFIX}:{poll.public_id}:{entry.id}"}])
    controls = []  # one more row: starting a ranking again, arming a veto
    with force_locale(notifications.message_locale()):
        if poll.ballot == "ranked":
            controls.append(
                {"text": "↺ " + _("Заново"), "callback_data": f"{CALLBACK_PREFIX}:{poll.public_id}:{RESET}"}
            )
        if poll.vetoes_per_member:
            controls.append({"text": "⛔ " + _("Вето"), "callback_data": f"{CALLBACK_PREFIX}:{poll.public_id}:{VETO}"})
    if controls:
        buttons.append(controls)
    return "\n".join(lines), {"inline_keyboard": buttons}


def _how_to_vote(poll: Poll) -> list[str]:
    """How this poll's buttons work (in the message locale)."""
    lines = []
    if poll.ballot == "approval":
        lines.append(_("Отмечайте все фильмы, которые готовы смотреть: кнопка ставит и снимает отметку."))
        if poll.max_approvals:
            lines.append(
                ngettext(
                    "Можно отметить не больше %(num)d фильма.",
                    "Можно отметить не больше %(num)d фильмов.",
                    poll.max_approvals,
                )
            )
    elif poll.ballot == "ranked":
        lines.append(
            _(
                "Нажимайте фильмы по порядку, с самого желанного; ↺ — начать заново. Числа — сколько раз фильм стоит первым."
            )
        )
    if poll.vetoes_per_member:
        lines.append(
            ngettext(
                "⛔ и затем фильм — вето: фильм выбывает до подсчёта (у каждого %(num)d вето, после своего голоса).",
                "⛔ и затем фильм — вето: фильм выбывает до подсчёта (у каждого %(num)d вето, после своего голоса).",
                poll.vetoes_per_member,
            )
        )
    return lines


def result_text(session: Session, poll: Poll, site_url: str | None) -> str:
    with force_locale(notifications.message_locale()):
        lines = [
            _("🏁 Голосование «%(name)s» закончилось.", name=_name(poll)),
            polls.result_line(polls.winner(session, poll), lambda entry: f"<b>{_film(entry)}</b>"),
        ]
        url = poll_url(site_url, poll.public_id)
        if url:
            lines.append(url)
        return "\n".join(lines)


def _poll_of(session: Session, notification: Notification) -> Poll | None:
    return session.scalar(select(Poll).where(Poll.public_id == notification.payload["public_id"]))


@notifications.composer("poll_created", "poll_closed")
def _compose(session: Session, notification: Notification, site_url: str | None) -> tuple[str, dict | None] | None:
    """The announcement with its buttons, or the result; None for a poll purged before its turn."""
    poll = _poll_of(session, notification)
    if poll is None:
        return None
    if notification.kind == "poll_created":
        return message(session, poll, site_url)
    return result_text(session, poll, site_url), None


@notifications.after_send("poll_created")
def _remember(session: Session, notification: Notification, chat_id: str, sent: dict) -> None:
    """Keep a sent announcement so its counts can be edited later."""
    poll = _poll_of(session, notification)
    if poll is not None and sent.get("message_id") is not None:
        session.add(PollMessage(poll_id=poll.id, chat_id=chat_id, message_id=sent["message_id"], shown=state_of(poll)))


@bot_commands.callback(CALLBACK_PREFIX)
def on_callback(session: Session, query: dict) -> str:
    """A button press: change the Telegram user's ballot. Returns the short confirmation to
    answer with. The caller commits."""
    data = str(query.get("data") or "")
    user = query.get("from") or {}
    prefix, _sep, rest = data.partition(":")
    public_id, _sep, action = rest.partition(":")
    with force_locale(notifications.message_locale()):
        if prefix != CALLBACK_PREFIX or not (action.isdigit() or action in (RESET, VETO)) or user.get("id") is None:
            return _("Эта кнопка ничего не делает.")
        try:
            poll = polls.get_poll(session, public_id)
            voter = members.telegram_voter(session, user)
            if action == RESET:
                pressed = presses.press_reset(session, poll, voter)
            elif action == VETO:
                pressed = presses.press_veto(session, poll, voter)
            else:
                pressed = presses.press_film(session, poll, voter, int(action))
        except polls.PollNotFound:
            return _("Этого голосования больше нет.")
        except polls.PollClosed:
            session.rollback()
            return _("Голосование уже закрыто.")
        except polls.BallotInvalid as exc:
            session.rollback()
            return polls.ballots.refusal(poll, exc)
        except presses.PressRefused as exc:
            session.rollback()
            return (
                _("В этом голосовании нет вето.") if exc.code == "no_vetoes" else _("Сначала проголосуйте, потом вето.")
            )
        if pressed.kind == "already_ranked":
            session.rollback()  # nothing changed: no edit of the announcement either
        answer = pressed_answer(poll, pressed)
        return answer if len(answer) <= ANSWER_MAX else answer[: ANSWER_MAX - 1] + "…"


def pressed_answer(poll: Poll, pressed: presses.Pressed) -> str:
    """What answerCallbackQuery says after a press: the person's ballot as it now stands."""
    titles = {entry.id: entry.title for entry in poll.entries}
    ballot = pressed.ballot
    film = titles.get(pressed.entry_id or 0, "")
    vetoes_left = poll.vetoes_per_member - len(ballot.vetoes) if ballot else poll.vetoes_per_member
    if pressed.kind in ("vetoed", "unvetoed"):
        said = _("⛔ Вето: %(film)s.", film=film) if pressed.kind == "vetoed" else _("Вето снято: %(film)s.", film=film)
        return said + " " + _("Осталось вето: %(n)d", n=vetoes_left)
    if pressed.kind == "veto_armed":
        return _("Теперь нажмите фильм: вето на него (или снять вето). Осталось вето: %(n)d", n=vetoes_left)
    if pressed.kind == "veto_disarmed":
        return _("Вето отменено: следующая кнопка снова голосует.")
    if pressed.kind == "withdrawn":
        return _("Отметок нет — ваш голос снят.")
    if pressed.kind == "reset":
        return _("Начнём заново: нажимайте фильмы по порядку.")
    assert ballot is not None
    if poll.ballot == "ranked":
        order = " ".join(f"{place}. {titles[entry_id]}" for place, entry_id in enumerate(ballot.marks, 1))
        if pressed.kind == "already_ranked":
            return _("«%(film)s» уже в вашем порядке (↺ — заново): %(order)s", film=film, order=order)
        return order
    if poll.ballot == "approval":
        return _("Отмечено: %(films)s", films=", ".join(titles[e] for e in titles if e in ballot.marks))
    return _("Ваш голос: %(film)s", film=film)


def claim_closed(session: Session) -> list[Poll]:
    """Polls that closed and whose result was not announced yet, claimed so each is announced
    once: the result goes into the outbox in the same transaction. The caller commits."""
    now = utcnow()
    due = session.scalars(
        select(Poll)
        .where(Poll.result_announced_at.is_(None), or_(Poll.closes_at <= now, Poll.closed_at.is_not(None)))
        .order_by(Poll.id)
        .limit(20)
    ).all()
    claimed = []
    for poll in due:
        won = affected_rows(
            session.execute(
                update(Poll)
                .where(Poll.id == poll.id, Poll.result_announced_at.is_(None))
                .values(result_announced_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        if won:
            notifications.enqueue(session, "poll_closed", {"public_id": poll.public_id})
            claimed.append(poll)
    return claimed


def due_edits(session: Session, limit: int = 20) -> list[tuple[PollMessage, Poll]]:
    """Announcements showing an older state of their poll, not edited within EDIT_INTERVAL."""
    return message_edits.due_edits(session, PollMessage, Poll, PollMessage.poll_id, state_of, limit)


def mark_edited(poll_message: PollMessage, poll: Poll) -> None:
    poll_message.shown = state_of(poll)
    poll_message.edited_at = utcnow()
