"""Answers to a night: RSVP (going / maybe / no, one per member) and the date poll's
availability (every candidate time that works), with the names shown under each.

One per member is the database's UNIQUE key; answers stop at the start (NightClosed).
A member deleted by the admin leaves their answers counted, without a name (models.Member).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...models import Member, Night, NightAvailability, NightRsvp, utcnow
from .. import events
from ..merges import reassign, superseded
from ..sql import upsert_insert
from .core import UnknownOption, claim

ANSWERS = ("going", "maybe", "no")


@dataclass
class Answers:
    """Who answered what: names (members who still exist) and counts (everyone)."""

    rsvp_names: dict[str, list[str]] = field(default_factory=lambda: {a: [] for a in ANSWERS})
    rsvp_counts: dict[str, int] = field(default_factory=lambda: {a: 0 for a in ANSWERS})
    option_names: dict[int, list[str]] = field(default_factory=dict)
    option_counts: dict[int, int] = field(default_factory=dict)
    my_rsvp: str | None = None
    my_options: set[int] = field(default_factory=set)

    def best_options(self) -> list[int]:
        top = max(self.option_counts.values(), default=0)
        return sorted(o for o, n in self.option_counts.items() if n == top and top > 0)


def answers(session: Session, night: Night, member_id: int | None = None) -> Answers:
    """Two queries whatever the number of answers."""
    found = Answers()
    rows = session.execute(
        select(NightRsvp.answer, NightRsvp.member_id, Member.name)
        .outerjoin(Member, Member.id == NightRsvp.member_id)
        .where(NightRsvp.night_id == night.id)
        .order_by(NightRsvp.answered_at, NightRsvp.id)
    )
    for answer, who, name in rows:
        found.rsvp_counts[answer] += 1
        if name is not None:
            found.rsvp_names[answer].append(name)
        if who is not None and who == member_id:
            found.my_rsvp = answer
    if night.options:
        marks = session.execute(
            select(NightAvailability.option_id, NightAvailability.member_id, Member.name)
            .outerjoin(Member, Member.id == NightAvailability.member_id)
            .where(NightAvailability.night_id == night.id)
            .order_by(NightAvailability.marked_at, NightAvailability.id)
        )
        for option_id, who, name in marks:
            found.option_counts[option_id] = found.option_counts.get(option_id, 0) + 1
            if name is not None:
                found.option_names.setdefault(option_id, []).append(name)
            if who is not None and who == member_id:
                found.my_options.add(option_id)
    return found


def answer_rsvp(session: Session, night: Night, member_id: int, answer: str) -> None:
    """Record or change the member's answer. Raises NightClosed after the start or once cancelled.
    The caller resolved (and so locked) the member first, and commits."""
    if answer not in ANSWERS:
        raise ValueError(answer)
    claim(session, night, before_start=True)
    stmt = upsert_insert(session)(NightRsvp).values(
        night_id=night.id, member_id=member_id, answer=answer, answered_at=utcnow()
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[NightRsvp.night_id, NightRsvp.member_id],
            set_={"answer": stmt.excluded.answer, "answered_at": stmt.excluded.answered_at},
        )
    )


def set_availability(session: Session, night: Night, member_id: int, option_ids: Iterable[int]) -> None:
    """The candidate times that work for the member (replacing their earlier marks). Raises
    UnknownOption, NightClosed (not a date poll any more). The caller commits."""
    chosen = set(option_ids)
    known = {o.id for o in night.options}
    if chosen - known:
        raise UnknownOption(sorted(chosen - known)[0])
    claim(session, night, before_start=True, planning_only=True)
    session.execute(
        delete(NightAvailability).where(
            NightAvailability.night_id == night.id, NightAvailability.member_id == member_id
        )
    )
    now = utcnow()
    session.add_all(
        NightAvailability(night_id=night.id, option_id=o, member_id=member_id, marked_at=now) for o in sorted(chosen)
    )
    session.flush()


def toggle_availability(session: Session, night: Night, member_id: int, option_id: int) -> bool:
    """A Telegram button: flips one candidate time; returns whether it is now marked."""
    current = set(
        session.scalars(
            select(NightAvailability.option_id).where(
                NightAvailability.night_id == night.id, NightAvailability.member_id == member_id
            )
        )
    )
    marked = option_id not in current
    set_availability(session, night, member_id, (current | {option_id}) if marked else (current - {option_id}))
    return marked


@events.members_merged.connect
def _merge_answers(session: Session, source_id: int, target_id: int) -> None:
    """The later of the two answers to a night stands; the later set of marked times too."""
    pair = (source_id, target_id)
    touched = (
        select(NightRsvp.night_id)
        .where(NightRsvp.member_id.in_(pair))
        .union(select(NightAvailability.night_id).where(NightAvailability.member_id.in_(pair)))
    )
    session.execute(
        update(Night)
        .where(Night.id.in_(touched))
        .values(version=Night.version + 1)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(NightRsvp.id, NightRsvp.night_id, NightRsvp.answered_at).where(NightRsvp.member_id.in_(pair))
    ).all()
    losers = superseded(rows, group="night_id", at="answered_at")
    if losers:
        session.execute(delete(NightRsvp).where(NightRsvp.id.in_(losers)))
    reassign(session, NightRsvp, source_id, target_id)
    marks = session.execute(
        select(NightAvailability.night_id, NightAvailability.member_id, NightAvailability.marked_at).where(
            NightAvailability.member_id.in_(pair)
        )
    ).all()
    newest: dict[tuple[int, int | None], datetime] = {}
    for night_id, who, marked_at in marks:
        key = (night_id, who)
        newest[key] = max(newest.get(key, marked_at), marked_at)
    for night_id in {m.night_id for m in marks}:
        if (night_id, source_id) in newest and (night_id, target_id) in newest:
            older = source_id if newest[(night_id, source_id)] < newest[(night_id, target_id)] else target_id
            session.execute(
                delete(NightAvailability).where(
                    NightAvailability.night_id == night_id, NightAvailability.member_id == older
                )
            )
    reassign(session, NightAvailability, source_id, target_id)


@events.member_deleted.connect
def _names_gone(session: Session, member_id: int) -> None:
    """The answers stay (counted, under the nameless member); the nights showing the name move
    on, so their Telegram announcements are edited without it."""
    answered = (
        select(NightRsvp.night_id)
        .where(NightRsvp.member_id == member_id)
        .union(select(NightAvailability.night_id).where(NightAvailability.member_id == member_id))
    )
    session.execute(
        update(Night)
        .where(Night.id.in_(answered))
        .values(version=Night.version + 1)
        .execution_options(synchronize_session=False)
    )
