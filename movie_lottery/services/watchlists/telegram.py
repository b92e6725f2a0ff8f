"""/want <title or Kinopoisk link> in a private chat with the bot: the film goes on the list of
that Telegram user's member, found in the library first, then on Kinopoisk (and added to the
library). Answered in the user's language."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...clients.errors import KinopoiskError
from ...clients.formats import escape_html
from ..members import member_for_telegram
from .finding import NotFound, from_kinopoisk, library_film
from .lists import add, on_list

if TYPE_CHECKING:
    from ...clients.kinopoisk import KinopoiskClient

log = logging.getLogger(__name__)
MAX_QUERY = 200


def want(session: Session, user: dict, query: str, client: KinopoiskClient | None, site_url: str | None) -> str:
    """The reply (Telegram HTML). The caller commits; on a failure nothing was written."""
    query = query.strip()
    if not query:
        return _("Напишите название или ссылку на Кинопоиск, например: /want Амели")
    if len(query) > MAX_QUERY:
        return _("Слишком длинный запрос (не больше 200 символов).")
    film, added_to_library = library_film(session, query), False
    session.commit()  # no transaction of ours stays open while Kinopoisk answers
    try:
        if film is None:
            film, added_to_library = from_kinopoisk(session, client, query)
    except NotFound:
        session.rollback()
        return _("Не нашёл «%(query)s» ни в библиотеке, ни на Кинопоиске.", query=escape_html(query))
    except KinopoiskError as exc:
        session.rollback()
        log.info("/want: Kinopoisk failed (%s)", exc.code)
        return _("Кинопоиск сейчас не отвечает: попробуйте позже или пришлите название фильма из библиотеки.")
    session.flush()
    # The member's row is taken (and locked) last, after the network, as a vote takes it.
    member_id = member_for_telegram(session, user).id
    title = escape_html(film.title) + (f" ({film.year})" if film.year else "")
    if on_list(session, member_id, film.id):
        return _("«%(title)s» уже в вашем списке «Хочу посмотреть».", title=title)
    add(session, member_id, film.id)
    text = _("Добавил в ваш список «Хочу посмотреть»: «%(title)s».", title=title)
    if added_to_library:
        text += " " + _("Этого фильма не было в библиотеке — теперь он там.")
    if site_url:
        text += f"\n{site_url.rstrip('/')}/films/{film.id}"
    return text
