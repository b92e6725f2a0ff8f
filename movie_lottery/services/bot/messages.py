"""What the bot announces about lotteries and downloads: the draw's winner, a finished download,
and the answer to /last. The outbox (services/notifications.py) delivers them."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...clients.formats import escape_html
from ...models import Film, Lottery, Notification
from .. import events
from ..notifications import composer, enqueue, message_locale


@events.lottery_drawn.connect
def _on_lottery_drawn(session: Session, lottery: Lottery) -> None:
    winner = lottery.winner
    assert winner is not None  # sent once the draw has set it
    enqueue(
        session,
        "lottery_drawn",
        {
            "public_id": lottery.public_id,
            "lottery_title": lottery.title,
            "winner_title": winner.title,
            "winner_year": winner.year,
        },
    )


@events.download_finished.connect
def _on_download_finished(session: Session, film: Film) -> None:
    enqueue(session, "download_finished", {"film_id": film.id, "title": film.title, "year": film.year})


def _title_with_year(title: str, year: int | None) -> str:
    return f"<b>{escape_html(title)}</b>" + (f" ({year})" if year else "")


def lottery_url(site_url: str, public_id: str) -> str:
    return f"{site_url}/l/{public_id}"


@composer("lottery_drawn")
def _draw_message(_session: Session, notification: Notification, site_url: str | None) -> tuple[str, None]:
    data = notification.payload
    with force_locale(message_locale()):
        name = escape_html(data.get("lottery_title") or _("Лотерея %(id)s", id=data["public_id"]))
        lines = [
            _("🎬 Розыгрыш «%(name)s» состоялся!", name=name),
            _("Смотрим: %(film)s", film=_title_with_year(data["winner_title"], data.get("winner_year"))),
        ]
    if site_url:
        lines.append(lottery_url(site_url, data["public_id"]))
    return "\n".join(lines), None


@composer("download_finished")
def _download_message(_session: Session, notification: Notification, _site_url: str | None) -> tuple[str, None]:
    data = notification.payload
    with force_locale(message_locale()):
        return _(
            "✅ Скачан фильм %(film)s — можно смотреть!", film=_title_with_year(data["title"], data.get("year"))
        ), None


def latest_winner_text(session: Session, site_url: str | None) -> str:
    """The answer to /last: the latest winner and, like the draw announcement, the lottery's link."""
    lottery = session.scalar(
        select(Lottery).where(Lottery.drawn_at.is_not(None)).order_by(Lottery.drawn_at.desc()).limit(1)
    )
    with force_locale(message_locale()):
        if lottery is None:
            return _("Ещё ни одного розыгрыша.")
        winner = lottery.winner
        text = _("Последний победитель: %(film)s", film=_title_with_year(winner.title, winner.year))
        return f"{text}\n{lottery_url(site_url, lottery.public_id)}" if site_url else text
