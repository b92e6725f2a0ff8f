"""Two identities become one person: a device joins a member, a Telegram account is linked,
or the admin merges two members. Where both had voted in the same poll (or answered the same
night), the most recent answer stands; everything else moves over.

Locks are taken in one order — identity rows (devices, members) first, then polls, then
votes — the same order a vote takes them, so merges and votes serialise without deadlocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...models import Member, MemberCode, MemberDevice, Poll, PollEntry, PollVote
from .. import events
from ..merges import reassign, superseded
from .codes import peek_code
from .identity import (
    MemberNotFound,
    check_name_free,
    clean_name,
    device_key,
    get_member,
    lock_device,
    member_for_telegram,
    member_key,
    rename,
)


class MergeRefused(ValueError):
    """code: same_member | both_telegram (two Telegram accounts cannot be one person)"""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def refusal(source: Member, target: Member) -> str | None:
    """Why ``source`` cannot become ``target`` (MergeRefused's code), or None."""
    if source.id == target.id:
        return "same_member"
    if source.telegram_user_id is not None and target.telegram_user_id is not None:
        return "both_telegram"
    return None


def _lock_members(session: Session, *member_ids: int) -> None:
    """FOR NO KEY UPDATE: serialises with votes and merges of the same members, while rows that
    merely reference a member (an RSVP being written) can still be inserted meanwhile."""
    session.execute(
        select(Member.id).where(Member.id.in_(member_ids)).order_by(Member.id).with_for_update(key_share=True)
    ).all()


def absorb_votes(session: Session, old_key: str, new_key: str) -> None:
    """Poll votes of ``old_key`` become ``new_key``'s; in a poll both voted in, the later vote stays."""
    session.execute(
        update(Poll)
        .where(Poll.id.in_(select(PollVote.poll_id).where(PollVote.voter == old_key)))
        .values(version=Poll.version + 1)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(PollVote.id, PollVote.poll_id, PollVote.voted_at).where(PollVote.voter.in_((old_key, new_key)))
    ).all()
    losers = superseded(rows, group="poll_id", at="voted_at")
    if losers:
        session.execute(delete(PollVote).where(PollVote.id.in_(losers)))
    session.execute(
        update(PollVote)
        .where(PollVote.voter == old_key)
        .values(voter=new_key)
        .execution_options(synchronize_session=False)
    )
    # A suggestion each: the absorbed one keeps its own mark where the person made two.
    taken = select(PollEntry.poll_id).where(PollEntry.suggested_by == new_key)
    session.execute(
        update(PollEntry)
        .where(PollEntry.suggested_by == old_key, PollEntry.poll_id.not_in(taken))
        .values(suggested_by=new_key)
        .execution_options(synchronize_session=False)
    )


def merge_members(session: Session, source_id: int, target_id: int) -> Member:
    """``source`` becomes ``target``: devices, Telegram account, votes and answers; source goes.
    The target is a member with a name (a deleted one can only be merged in)."""
    if source_id == target_id:
        raise MergeRefused("same_member")
    _lock_members(session, source_id, target_id)
    source, target = get_member(session, source_id), get_member(session, target_id)
    if target.name is None:
        raise MemberNotFound(target_id)
    refused = refusal(source, target)
    if refused:
        raise MergeRefused(refused)
    reassign(session, MemberDevice, source_id, target_id)
    absorb_votes(session, member_key(source_id), member_key(target_id))
    events.members_merged.send(session, source_id=source_id, target_id=target_id)
    telegram_user_id = source.telegram_user_id
    session.execute(delete(MemberCode).where(MemberCode.member_id == source_id))
    session.delete(source)
    session.flush()
    if telegram_user_id is not None:
        target.telegram_user_id = telegram_user_id
        session.flush()
    return target


def attach_device(session: Session, device: str, member_id: int) -> Member:
    """This device is now ``member_id``'s. If it belonged to another member, that member is the
    same person: merged into this one. The caller commits."""
    current = lock_device(session, device)
    _lock_members(session, member_id)
    member = get_member(session, member_id)
    if current is not None and current != member_id:
        return merge_members(session, current, member_id)
    if current is None:
        session.execute(
            update(MemberDevice)
            .where(MemberDevice.device_id == device)
            .values(member_id=member_id)
            .execution_options(synchronize_session=False)
        )
    absorb_votes(session, device_key(device), member_key(member_id))
    return member


@dataclass(frozen=True)
class JoinPreview:
    """What joining this device to a code's member would do, before it is done."""

    owner: Member  # whose code it is
    current: Member | None  # the member this device is now, if they have a name
    refused: str | None  # MergeRefused's code the join would meet (same_member: it is theirs already)


def join_preview(session: Session, device: str | None, code: str) -> JoinPreview:
    """Spends nothing. Raises CodeNotFound, CodeGone."""
    owner = get_member(session, peek_code(session, "device", code))
    current_id = (
        session.scalar(select(MemberDevice.member_id).where(MemberDevice.device_id == device)) if device else None
    )
    current = session.get(Member, current_id) if current_id is not None else None
    return JoinPreview(
        owner,
        current if current is not None and current.name is not None else None,
        refusal(current, owner) if current is not None else None,
    )


def set_device_name(session: Session, device: str, name: str) -> Member:
    """Name this device's member, creating the member (and absorbing the device's anonymous
    votes) on the first name; a deleted member's device brings that member back under the name.
    Raises InvalidName, NameTaken. The caller commits."""
    name = clean_name(name)
    member_id = lock_device(session, device)
    if member_id is not None:
        return rename(session, member_id, name)
    check_name_free(session, name)
    member = Member(name=name)
    session.add(member)
    session.flush()
    return attach_device(session, device, member.id)


def link_telegram(session: Session, member_id: int, user: dict) -> Member:
    """Link a Telegram account to a member; the member that account already was (or that a
    concurrent button press is creating) merges in. A member already linked to another account
    is refused (MergeRefused both_telegram): the first account would silently become a second
    person; the member unlinks it on /me first. The Telegram member's row is taken with the same
    upsert a vote from Telegram takes, so a press and the link serialise on it."""
    telegram_member = member_for_telegram(session, user)
    if telegram_member.id == member_id:
        return telegram_member
    return merge_members(session, telegram_member.id, member_id)


def unlink_telegram(session: Session, member_id: int) -> Member:
    """The member's Telegram account is no longer theirs: its next press is a new member."""
    _lock_members(session, member_id)
    member = get_member(session, member_id)
    member.telegram_user_id = None
    return member


def delete_member(session: Session, member_id: int) -> None:
    """The member's name goes (from every list, their page, the admin's list); their votes,
    answers and scores stay counted, anonymous, under the same nameless member, whose devices
    and Telegram account still act as that one person: a new vote replaces the old one. A name
    given again from one of them brings the member back. The caller commits."""
    _lock_members(session, member_id)
    member = get_member(session, member_id)
    if member.name is None:
        raise MemberNotFound(member_id)
    session.execute(delete(MemberCode).where(MemberCode.member_id == member_id))
    events.member_deleted.send(session, member_id=member_id)
    member.name = None
    member.calendar_token = None  # their personal feed (with the nights' places) ends with them
