"""How ratings, film pages, member pages and the group's taste look in JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ...models import Film, iso_utc
from ...services.ratings.pages import FilmPage, MemberPage
from ...services.ratings.scores import rounded
from ...services.ratings.taste import Taste
from ..presenters import external_url
from ..watchlists.common import wish_json


def film_json(page: FilmPage) -> dict[str, Any]:
    film: Film = page.film
    return {
        **film.to_dict(),
        "url": external_url("films.film", film_id=film.id),
        "trailer_url": film.trailer_url,
        "ratings": {
            "average": page.average,
            "count": film.ratings_count,
            "scores": [
                {
                    "member": None if row.member_id is None else {"id": row.member_id, "name": row.name},
                    "score": row.score,
                    "rated_at": iso_utc(row.rated_at),
                }
                for row in page.scores
            ],
        },
        "lotteries": [
            {
                "id": row.public_id,
                "title": row.title,
                "created_at": iso_utc(row.created_at),
                "drawn_at": iso_utc(row.drawn_at),
                "won": bool(row.won),
            }
            for row in page.lotteries
        ],
        "polls": [
            {
                "id": row.public_id,
                "title": row.title,
                "created_at": iso_utc(row.created_at),
                "votes": row.votes,
                "won": bool(row.won),
            }
            for row in page.polls
        ],
        "nights": [
            {"id": night.public_id, "title": night.title, "status": night.status, "starts_at": iso_utc(night.starts_at)}
            for night in page.nights
        ],
        "similar": list(film.similar or []),
        "wanted_by": [{"id": row.member_id, "name": row.name} for row in page.wanted_by],
        "seen_by": list(page.seen_by),
    }


def member_json(page: MemberPage) -> dict[str, Any]:
    twin = page.twin
    return {
        "member": {"id": page.member.id, "name": page.member.name},
        "url": external_url("member_pages.member", member_id=page.member.id),
        "average": page.average,
        "seen": page.seen,
        "ratings": [
            {
                "film": {"id": row.film_id, "title": row.title, "year": row.year},
                "score": row.score,
                "group_average": rounded(row.ratings_average),
                "rated_at": iso_utc(row.rated_at),
            }
            for row in page.scores
        ],
        "nights": [
            {"id": night.public_id, "title": night.title, "starts_at": iso_utc(night.starts_at)}
            for night in page.nights
        ],
        "suggested": {
            "count": len(page.suggested),
            "won": page.suggested_won,
            "films": [
                {"title": row.film_title, "year": row.year, "poll": row.public_id, "won": bool(row.won)}
                for row in page.suggested
            ],
        },
        "taste_twin": None
        if twin is None
        else {
            "member": {"id": twin.member_id, "name": twin.name},
            "common": twin.common,
            "difference": twin.difference,
        },
        "watchlist": [wish_json(wish) for wish in page.watchlist],
    }


def taste_json(taste: Taste) -> dict[str, Any]:
    def films(items):
        return [asdict(item) for item in items]

    def critic(item):
        return None if item is None else asdict(item)

    return {
        "best": films(taste.best),
        "worst": films(taste.worst),
        "divisive": films(taste.divisive),
        "taste_twins": [
            {
                "members": [{"id": p.first_id, "name": p.first}, {"id": p.second_id, "name": p.second}],
                "common": p.common,
                "difference": p.difference,
            }
            for p in taste.twins
        ],
        "harshest": critic(taste.harshest),
        "kindest": critic(taste.kindest),
        "versus_kinopoisk": films(taste.versus_kinopoisk),
    }
