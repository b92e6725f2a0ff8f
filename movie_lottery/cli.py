"""`flask` commands: seed-demo, verify-draw, verify-poll, purge-polls, notifier, vapid-keys, upgrade-db, export, import."""

from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from . import show_migrations
from .dbsetup import init_migrations, schema_revision, upgrade_database
from .extensions import db
from .models import Film
from .services.lotteries import fairness, lottery
from .services import library, polls

RULE_NOTES = {
    fairness.WIN_WEIGHTED: "weight is the chance to win; in eliminate mode each later r is a 0-based place"
    " among the films still in other than the winner, in order",
    fairness.DROP_WEIGHTED: "eliminate mode before migration 0010: each r drops the first film still in whose"
    " cumulative weight exceeds it, so weight was the chance of dropping out",
}

DEMO_FILMS = (
    # title, original title, year, kinopoisk id, rating, genres
    ("1+1", "Intouchables", 2011, 535341, 8.8, ("драма", "комедия", "биография")),
    ("Интерстеллар", "Interstellar", 2014, 258687, 8.6, ("фантастика", "драма", "приключения")),
    ("Зеленая миля", "The Green Mile", 1999, 435, 9.1, ("драма", "криминал", "фэнтези")),
    ("Побег из Шоушенка", "The Shawshank Redemption", 1994, 326, 9.1, ("драма",)),
    ("Начало", "Inception", 2010, 447301, 8.7, ("фантастика", "боевик", "триллер")),
    ("Унесённые призраками", "Sen to Chihiro no kamikakushi", 2001, 370, 8.4, ("аниме", "мультфильм", "фэнтези")),
    ("Брат", None, 1997, 41519, 8.3, ("драма", "криминал", "боевик")),
    ("Иван Васильевич меняет профессию", None, 1973, 42664, 8.8, ("комедия", "фантастика")),
    ("Достучаться до небес", "Knockin' on Heaven's Door", 1997, 32898, 8.6, ("драма", "комедия", "криминал")),
    ("Амели", "Le fabuleux destin d'Amélie Poulain", 2001, 4871, 7.9, ("мелодрама", "комедия")),
    ("Назад в будущее", "Back to the Future", 1985, 476, 8.6, ("фантастика", "комедия", "приключения")),
    ("Паразиты", "Gisaengchung", 2019, 1188529, 8.0, ("триллер", "драма", "комедия")),
)


def demo_poster(index: int) -> str:
    return f"/static/demo/poster-{index % 6 + 1}.svg"


VERBOSE = click.option(
    "--verbose", is_flag=True, help="Print each migration as alembic runs it (as LOG_LEVEL=DEBUG does)."
)


def register(app: Flask) -> None:
    if click.get_current_context(silent=True) is not None:
        # Built by the `flask` command: its `db …` commands (Flask-Migrate) need the extension.
        init_migrations(app)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Fill the library with demo films and one lottery (safe to run twice)."""
        added = 0
        for index, (title, original, year, kp_id, rating, genres) in enumerate(DEMO_FILMS):
            data = library.FilmData(
                title=title,
                original_title=original,
                year=year,
                kinopoisk_id=kp_id,
                rating=rating,
                genres=genres,
                poster_url=demo_poster(index),
            )
            _film, created = library.add_film(db.session, data)
            added += created
        if not db.session.scalar(select(func.count()).select_from(lottery.Lottery)):
            entries = [
                lottery.EntryData(film=library.FilmData(title=t, year=y, kinopoisk_id=k, poster_url=demo_poster(i)))
                for i, (t, _o, y, k, _r, _g) in enumerate(DEMO_FILMS[:4])
            ]
            lottery.create_lottery(db.session, "Пятничный киновечер", entries)
        db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(Film))
        click.echo(f"demo data ready: {added} films added, {total} in the library")

    @app.cli.command("verify-draw")
    @click.argument("public_id")
    def verify_draw(public_id: str):
        """Recompute a drawn lottery's commitment and winner from its revealed seed."""
        try:
            found = lottery.get_lottery(db.session, public_id)
        except lottery.LotteryNotFound:
            raise click.ClickException(f"no lottery {public_id!r}") from None
        if not found.is_drawn:
            raise click.ClickException("not drawn yet: the seed is still secret")
        weights = [e.weight for e in found.entries]
        commitment_ok = fairness.commitment_for(found.seed) == found.commitment
        _eliminated, expected = lottery.outcome(found)
        click.echo(f"seed        {found.seed.hex()}")
        click.echo(f"commitment  {found.commitment} ({'matches' if commitment_ok else 'DOES NOT MATCH'} sha256(seed))")
        click.echo(f"mode        {found.mode}")
        click.echo(f"rule        {found.draw_rule} ({RULE_NOTES[found.draw_rule]})")
        rounds = 0
        for step in fairness.steps(found.mode, found.draw_rule, found.seed, found.public_id, weights):
            rounds += step.drops_out
            label = f"round {rounds}: " if step.drops_out else ""
            verdict = "out" if step.drops_out else "wins"
            click.echo(
                f"{label}r = HMAC-SHA256(seed, {step.message!r}) mod {step.modulus} = {step.r}"
                f" -> {verdict} #{step.index + 1} {found.entries[step.index].title}"
            )
        click.echo(f"winner      #{expected + 1} {found.entries[expected].title}")
        if not commitment_ok or expected != found.winner_position:
            raise click.ClickException("verification FAILED")
        click.echo("verified: the recorded winner is the one the seed selects")

    @app.cli.command("verify-poll")
    @click.argument("public_id")
    def verify_poll(public_id: str):
        """Recount a closed poll from its ballots and its revealed tie-break seed; name the winner."""
        try:
            poll = polls.get_poll(db.session, public_id)
        except polls.PollNotFound:
            raise click.ClickException(f"no poll {public_id!r}") from None
        if not poll.is_closed():
            raise click.ClickException("still open: the tie-break seed is secret until it closes")
        commitment_ok = fairness.commitment_for(poll.tiebreak_seed) == poll.tiebreak_commitment
        titles = {entry.id: entry.title for entry in poll.entries}
        ballots = polls.published_ballots(db.session, poll)
        result = polls.ballots.count(poll, [published.ballot for published in ballots])
        click.echo(f"seed        {poll.tiebreak_seed.hex()}")
        click.echo(
            f"commitment  {poll.tiebreak_commitment} ({'matches' if commitment_ok else 'DOES NOT MATCH'} sha256(seed))"
        )
        click.echo(f"ballot      {poll.ballot}, {len(ballots)} ballot(s), vetoes per person {poll.vetoes_per_member}")
        click.echo("priority    " + " > ".join(titles[entry_id] for entry_id in polls.priority(poll)))
        for number, round_ in enumerate(result.rounds, 1):
            counts = ", ".join(f"{titles[entry_id]} {n}" for entry_id, n in round_.counts.items())
            out = f" -> out {titles[round_.eliminated]}" if round_.eliminated is not None else ""
            tie = " (tie broken by priority)" if round_.tie_broken else ""
            click.echo(f"round {number}: {counts}{out}{tie}")
        if result.winner is None:
            raise click.ClickException("the poll has no films")
        click.echo(f"winner      {titles[result.winner]}")
        if not commitment_ok:
            raise click.ClickException("verification FAILED")
        click.echo("verified: the winner is the one the published rule gives")

    @app.cli.command("purge-polls")
    @click.option(
        "--older-than-days", type=click.IntRange(1, 3650), default=None, help="Default: POLL_RETENTION_DAYS (30)."
    )
    def purge_polls(older_than_days: int | None):
        """Delete polls (with their votes) that closed more than N days ago."""
        days = older_than_days or app.config["SETTINGS"].poll_retention_days
        removed = polls.purge_closed(db.session, timedelta(days=days))
        db.session.commit()
        click.echo(f"purged {removed} poll(s) closed more than {days} day(s) ago")

    @app.cli.command("notifier")
    def notifier():
        """Run the Telegram notifier worker (same as python -m movie_lottery.worker)."""
        from .worker import main

        raise SystemExit(main())

    @app.cli.command("vapid-keys")
    def vapid_keys():
        """Print a new VAPID key pair for Web Push and the settings to use."""
        from .clients.vapid_keys import generate_keys

        private_key, public_key = generate_keys()
        click.echo(f"public key (browsers get it from /api/push/key): {public_key}")
        click.echo("settings (keep the private key secret; VAPID_SUBJECT is your contact):")
        click.echo(f"VAPID_PRIVATE_KEY={private_key}")
        click.echo("VAPID_SUBJECT=mailto:admin@example.org")

    @app.cli.command("export")
    @click.argument("path", metavar="[FILE]", required=False)
    def export_backup(path: str | None):
        """Write a backup of the data: JSON, gzipped when FILE ends in .gz, to stdout without FILE."""
        from .services.backup import export

        try:
            if path in (None, "-"):
                out = sys.stdout.buffer
                for piece in export.chunked(export.document(db.engine, db.metadata)):
                    out.write(piece.encode("utf-8"))
                out.flush()
            else:
                export.write_file(db.engine, db.metadata, path)
                click.echo(f"backup written to {path}", err=True)
        except export.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        except SQLAlchemyError as exc:
            raise click.ClickException(str(export.database_error(exc))) from None

    @app.cli.command("import")
    @click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
    @click.option("--replace", is_flag=True, help="Delete the data the database already holds first.")
    @VERBOSE
    def import_backup(path: str, replace: bool, verbose: bool):
        """Load a backup (made by flask export) into an empty database, in one transaction."""
        from .services.backup import restore

        if verbose:
            show_migrations(True)
        with db.engine.connect() as conn:
            current = schema_revision(conn)
        if current != restore.schema_history()[0]:  # a new database: make its tables first
            upgrade_database(app)
        try:
            with restore.open_backup(path) as stream:
                result = restore.restore(db.engine, db.metadata, stream, replace=replace)
        except restore.BackupError as exc:
            raise click.ClickException(f"{exc} (nothing was imported)") from None
        upgraded = f", upgraded from schema {result.upgraded_from}" if result.upgraded_from else ""
        armed = ", ".join(f"{kind} {count}" for kind, count in result.armed.items())
        click.echo(
            f"imported {sum(result.rows.values())} rows into {len(result.rows)} tables "
            f"(schema {result.schema}{upgraded}); due jobs armed from the restored data: "
            f"{sum(result.armed.values())}{f' ({armed})' if armed else ''}"
        )

    @app.cli.command("upgrade-db")
    @VERBOSE
    def upgrade_db(verbose: bool):
        """Apply migrations under a Postgres advisory lock (safe with several instances)."""
        if verbose:
            show_migrations(True)
        before, after = upgrade_database(app)
        if before != after:
            click.echo(
                f"database upgraded from {f'schema {before}' if before else 'an empty database'} to schema {after}"
            )
        click.echo("database is up to date")
