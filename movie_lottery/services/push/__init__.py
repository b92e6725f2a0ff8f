"""Web Push: browsers subscribe to topics; every outbox notification whose kind maps to a
topic gets one delivery per subscription that wants it (written in the notification's own
transaction), which the notifier's push threads send (worker/push.py, clients/webpush.py).

topics.py         which outbox kinds belong to which topic (one line per kind)
subscriptions.py  subscribe, change topics, unsubscribe; who owns a subscription
messages.py       the notification a subscriber sees, in their language
deliveries.py     fan-out, claiming and the outcome of each push
"""
