"""Members: people with a display name, their devices and Telegram account, one vote each.

* identity: names, which member a Telegram user is, voter keys;
* devices: which member a device is, its browser and last sight, ending it;
* merging: two identities become one, the most recent vote standing; deleting a member;
* codes: one-time codes for the Telegram deep link and for joining from another device.
"""

from .codes import CodeGone, CodeNotFound, issue_code, peek_code, redeem_code
from .devices import DeviceNotFound, device_state, devices_of, end_device
from .identity import (
    InvalidName,
    MemberNotFound,
    NameTaken,
    claim_device_voter,
    clean_name,
    member_for_telegram,
    get_member,
    member_key,
    rename,
    telegram_voter,
)
from .merging import (
    JoinPreview,
    MergeRefused,
    attach_device,
    delete_member,
    join_preview,
    link_telegram,
    merge_members,
    set_device_name,
    unlink_telegram,
)

__all__ = [
    "CodeGone",
    "CodeNotFound",
    "DeviceNotFound",
    "InvalidName",
    "JoinPreview",
    "MemberNotFound",
    "MergeRefused",
    "NameTaken",
    "attach_device",
    "claim_device_voter",
    "clean_name",
    "delete_member",
    "device_state",
    "devices_of",
    "end_device",
    "get_member",
    "issue_code",
    "join_preview",
    "link_telegram",
    "member_for_telegram",
    "member_key",
    "merge_members",
    "peek_code",
    "redeem_code",
    "rename",
    "set_device_name",
    "telegram_voter",
    "unlink_telegram",
]
