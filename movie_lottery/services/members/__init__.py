"""Members: people with a display name, their devices and Telegram account, one vote each.

* identity: names, which member a device or a Telegram user is, voter keys;
* merging: two identities become one, the most recent vote standing;
* codes: one-time codes for the Telegram deep link and for joining from another device.
"""
from .codes import CodeGone, CodeNotFound, issue_code, redeem_code
from .identity import (
    InvalidName, MemberNotFound, claim_device_voter, clean_name, device_member, member_for_telegram,
    get_member, member_key, rename, telegram_voter, voter_key,
)
from .merging import MergeRefused, attach_device, delete_member, link_telegram, merge_members, set_device_name

__all__ = [
    "CodeGone", "CodeNotFound", "InvalidName", "MemberNotFound", "MergeRefused", "attach_device",
    "claim_device_voter", "clean_name", "delete_member", "device_member", "get_member", "issue_code", "link_telegram",
    "member_for_telegram", "member_key", "merge_members", "redeem_code", "rename", "set_device_name",
    "telegram_voter", "voter_key",
]
