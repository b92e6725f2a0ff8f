"""The notifier worker process: python -m movie_lottery.worker (or flask notifier)."""

from __future__ import annotations

import logging

from .. import create_worker_app
from ..clients.telegram import TokenMaskingFilter


def main() -> int:
    app = create_worker_app()
    settings = app.config["SETTINGS"]
    if settings.telegram_bot_token is not None:
        masking = TokenMaskingFilter(settings.telegram_bot_token.get_secret_value())
        for handler in logging.getLogger().handlers:
            handler.addFilter(masking)
    from .notifier import Notifier

    notifier = Notifier(app)
    notifier.install_signal_handlers()
    return notifier.run()
