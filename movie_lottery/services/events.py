"""Domain events. Receivers run inside the transaction that caused the event, so
whatever they write (e.g. a notification in the outbox) commits or rolls back with it."""
from blinker import Namespace

_signals = Namespace()

# sender: the SQLAlchemy session; kwargs: lottery (already holding its winner)
lottery_drawn = _signals.signal("lottery-drawn")

# sender: the SQLAlchemy session; kwargs: film (whose download has just completed on the client)
download_finished = _signals.signal("download-finished")

# sender: the SQLAlchemy session; kwargs: poll (just created, entries flushed)
poll_created = _signals.signal("poll-created")

# sender: the SQLAlchemy session; kwargs: notification (just added to the outbox, not flushed)
notification_enqueued = _signals.signal("notification-enqueued")
