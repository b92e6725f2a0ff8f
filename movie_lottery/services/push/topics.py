"""Push topics and the outbox kinds they carry. A new kind of notification reaches push
subscribers by one line in KIND_TOPICS (and reads best with a composer in messages.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TOPICS = {
    "polls": _l("Новые голосования"),
    "results": _l("Итоги розыгрышей и голосований"),
    "nights": _l("Киновечера: назначен, перенесён, напоминание, отменён"),
    "ratings": _l("Просьбы оценить фильм после киновечера"),
    "downloads": _l("Скачанные фильмы (для админа)"),
}
ADMIN_TOPICS = frozenset({"downloads"})

KIND_TOPICS = {
    "poll_created": "polls",
    "lottery_drawn": "results",
    "poll_closed": "results",
    "night_announced": "nights",  # new, scheduled or rescheduled
    "night_reminder": "nights",
    "night_cancelled": "nights",
    "film_rating_request": "ratings",  # after a night with a film (services/ratings/telegram.py)
    "download_finished": "downloads",
}


def topic_of(kind: str) -> str | None:
    return KIND_TOPICS.get(kind)


def offered(is_admin: bool) -> list[str]:
    """The topics a visitor may choose: the admin topics only for the admin."""
    return [topic for topic in TOPICS if is_admin or topic not in ADMIN_TOPICS]
