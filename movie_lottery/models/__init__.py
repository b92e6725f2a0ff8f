"""SQLAlchemy models, one module per domain. The schema is created and changed only by migrations
(migrations/). `from movie_lottery.models import Film` works for every model and helper."""

from .common import as_utc, EditedChatMessage, iso_utc, Leased, new_public_id, search_key, utcnow
from .library import Film, SearchCache
from .lotteries import Lottery, LotteryEntry
from .outbox import Notification, NotifierState, TelegramChat
from .polls import Poll, poll_ends_at, PollEntry, PollMessage, PollVote
from .members import Member, MemberCode, MemberDevice
from .nights import Night, NightAvailability, NightMessage, NightOption, NightRsvp
from .due_jobs import DueJob
from .ratings import FilmRating, RatingMessage, SeenMark
from .push import PushDelivery, PushSubscription
from .watchlists import WatchlistEntry
from .imports import ImportJob, ImportRow

__all__ = [
    "as_utc",
    "DueJob",
    "EditedChatMessage",
    "Film",
    "FilmRating",
    "ImportJob",
    "ImportRow",
    "iso_utc",
    "Leased",
    "Lottery",
    "LotteryEntry",
    "Member",
    "MemberCode",
    "MemberDevice",
    "new_public_id",
    "Night",
    "NightAvailability",
    "NightMessage",
    "NightOption",
    "NightRsvp",
    "Notification",
    "NotifierState",
    "Poll",
    "poll_ends_at",
    "PollEntry",
    "PollMessage",
    "PollVote",
    "PushDelivery",
    "PushSubscription",
    "RatingMessage",
    "search_key",
    "SearchCache",
    "SeenMark",
    "TelegramChat",
    "utcnow",
    "WatchlistEntry",
]
