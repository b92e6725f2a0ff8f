"""Domain events. Receivers run inside the transaction that caused the event, so
whatever they write (e.g. a notification in the outbox) commits or rolls back with it."""

from blinker import Namespace

_signals = Namespace()

# sender: the SQLAlchemy session; kwargs: lottery (already holding its winner)
lottery_drawn = _signals.signal("lottery-drawn")

# sender: the SQLAlchemy session; kwargs: film (its length in minutes has just been learnt or changed)
film_length_known = _signals.signal("film-length-known")

# sender: the SQLAlchemy session; kwargs: film (whose download has just completed on the client)
download_finished = _signals.signal("download-finished")

# sender: the SQLAlchemy session; kwargs: poll (just created, entries flushed)
poll_created = _signals.signal("poll-created")

# sender: the SQLAlchemy session; kwargs: notification (just added to the outbox, not flushed)
notification_enqueued = _signals.signal("notification-enqueued")

# sender: the SQLAlchemy session; kwargs: source_id, target_id (members). Sent while both rows are
# locked, before the source is deleted: whatever belongs to the source moves to the target.
members_merged = _signals.signal("members-merged")

# sender: the SQLAlchemy session; kwargs: member_id. Sent before the member is deleted: what they
# did stays counted, anonymous.
member_deleted = _signals.signal("member-deleted")

# sender: the SQLAlchemy session; kwargs: device (its id), member_id. The member ended that device
# (services/members/devices): whatever still ties it to the member (a push subscription) lets go.
device_ended = _signals.signal("device-ended")

# sender: the SQLAlchemy session; kwargs: night (flushed). A new night, in planning or scheduled.
night_created = _signals.signal("night-created")

# sender: the SQLAlchemy session; kwargs: night, previous_start (None when it had no time yet),
# created (True when the night was created with its time).
night_scheduled = _signals.signal("night-scheduled")

# sender: the SQLAlchemy session; kwargs: night (just cancelled).
night_cancelled = _signals.signal("night-cancelled")
