"""A Telegram vote cast before members (voter "t:<Telegram user id>") belongs to that person's
member after upgrading — through the migration on either engine, and through importing a
backup made before it — so a new press from the same account replaces the vote instead of
adding a second one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from movie_lottery.dbsetup import init_migrations
from movie_lottery.extensions import db
from movie_lottery.models import Member, PollVote
from movie_lottery.services.polls import telegram as poll_telegram

from . import backup_data
from .test_backup import fresh, imported  # noqa: F401  (fixture)

PRE_MEMBERS = "0010"


def tying_revision() -> tuple[str, str]:
    """(the migration that ties the votes, the one before it), found by what it does."""
    from alembic.script import ScriptDirectory

    from movie_lottery.dbsetup import MIGRATIONS_DIR

    script = next(
        s
        for s in ScriptDirectory(MIGRATIONS_DIR).walk_revisions()
        if hasattr(s.module, "data_step") and "Telegram votes cast before members" in (s.doc or "")
    )
    return script.revision, script.down_revision


def a_poll(extra_votes: str = "") -> None:
    """An open poll of two films with votes from two Telegram accounts, made before members; the
    bot's private chat with the first is titled with his name."""
    closes = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    for statement in (
        "INSERT INTO polls (id, public_id, title, created_at, closes_at, allow_suggestions, hide_results, manage_token_hash, "
        f"version) VALUES (1, 'oldpoll1', 'Что смотрим?', '2026-01-01 10:00:00', '{closes}', false, false, '{'0' * 64}', 3)",
        "INSERT INTO poll_entries (id, poll_id, position, title) VALUES (1, 1, 0, 'Сталкер'), (2, 1, 1, 'Солярис')",
        "INSERT INTO poll_votes (poll_id, voter, entry_id, voted_at) VALUES (1, 't:4242', 1, '2026-01-01 11:00:00'), "
        "(1, 't:5555', 2, '2026-01-01 11:05:00')" + extra_votes,
        "INSERT INTO telegram_chats (chat_id, title, subscribed, updated_at) VALUES (4242, 'Петя', false, '2026-01-01 09:00:00')",
    ):
        db.session.execute(text(statement))
    db.session.commit()


def votes(app) -> dict[str, int]:
    with app.app_context():
        return {voter: entry for voter, entry in db.session.execute(select(PollVote.voter, PollVote.entry_id))}


def telegram_member(app, user_id: int) -> Member:
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.telegram_user_id == user_id))
        db.session.expunge(member)
        return member


def press(app, user_id: int, entry_id: int) -> str:
    with app.app_context():
        answer = poll_telegram.on_callback(
            db.session, {"data": f"pv:oldpoll1:{entry_id}", "from": {"id": user_id, "first_name": "Другое имя"}}
        )
        db.session.commit()
        return answer


def assert_tied_and_a_new_press_replaces(app) -> None:
    petya, other = telegram_member(app, 4242), telegram_member(app, 5555)
    assert (petya.name, other.name) == ("Петя", "Telegram 5555")
    assert votes(app) == {f"m:{petya.id}": 1, f"m:{other.id}": 2}
    assert press(app, 4242, 2) == "Ваш голос: Солярис"
    assert votes(app) == {f"m:{petya.id}": 2, f"m:{other.id}": 2}  # replaced: still two people, two votes


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_migration_ties_votes_cast_before_members(kind, fresh):  # noqa: F811
    app = fresh(kind)
    init_migrations(app)
    with app.app_context():
        upgrade(revision=PRE_MEMBERS)
        a_poll()
        upgrade()
    assert_tied_and_a_new_press_replaces(app)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_migration_keeps_the_later_of_two_votes_the_bug_let_through(kind, fresh):  # noqa: F811
    """Upgraded before the fix, Петя pressed again as his member: two votes in one poll. The
    later one stays; the announcement's version moves on."""
    tying, before = tying_revision()
    app = fresh(kind)
    init_migrations(app)
    with app.app_context():
        upgrade(revision=before)
        db.session.execute(
            text(
                "INSERT INTO members (id, name, telegram_user_id, created_at) "
                "VALUES (7, 'Пётр', 4242, '2026-01-02 00:00:00')"
            )
        )
        a_poll(extra_votes=", (1, 'm:7', 2, '2026-01-03 12:00:00')")
        upgrade(revision=tying)
        assert db.session.scalar(text("SELECT version FROM polls")) == 4
    assert telegram_member(app, 4242).name == "Пётр"
    assert votes(app)["m:7"] == 2 and len(votes(app)) == 2


def test_importing_a_backup_from_before_members_ties_them(fresh, tmp_path):  # noqa: F811
    old = fresh("sqlite")
    init_migrations(old)
    with old.app_context():
        upgrade(revision=PRE_MEMBERS)
        a_poll()
    document = backup_data.export(old, tmp_path / "old.json.gz")
    assert f'"schema":"{PRE_MEMBERS}"' in document and '"t:4242"' in document
    for kind in ("sqlite", "postgres"):
        copy = fresh(kind)
        assert f"upgraded from schema {PRE_MEMBERS}" in imported(copy, tmp_path / "old.json.gz")
        assert_tied_and_a_new_press_replaces(copy)
        with copy.app_context():  # a member made on the way in does not take an imported id later
            db.session.add(Member(name="Новый"))
            db.session.commit()
