"""The shapes of what torrents' API answers (the OpenAPI document's response schemas; requests are
described by the pydantic models that validate them, in schemas.py)."""

from ..openapi import schema

SET_MAGNET_ANSWER = schema(
    "SetMagnetAnswer",
    {
        "type": "object",
        "required": ["info_hash", "magnet"],
        "properties": {"info_hash": {"type": "string", "pattern": "^[0-9a-f]{40}$"}, "magnet": {"type": "string"}},
    },
)

UPLOAD_TORRENT_ANSWER = schema(
    "UploadTorrentAnswer",
    {
        "type": "object",
        "required": ["info_hash", "magnet"],
        "properties": {"info_hash": {"type": "string", "pattern": "^[0-9a-f]{40}$"}, "magnet": {"type": "string"}},
    },
)

SEND_DOWNLOAD_ANSWER = schema(
    "SendDownloadAnswer",
    {
        "type": "object",
        "required": ["info_hash", "state"],
        "properties": {"info_hash": {"type": "string"}, "state": {"type": "string"}},
    },
)

REMOVE_DOWNLOAD_ANSWER = schema(
    "RemoveDownloadAnswer",
    {"type": "object", "properties": {"info_hash": {"type": "string"}, "removed": {"type": "boolean"}}},
)

TORRENT_STATUSES_ANSWER = schema(
    "TorrentStatusesAnswer",
    {
        "type": "object",
        "required": ["qbittorrent", "torrents"],
        "properties": {
            "qbittorrent": {"type": "string", "enum": ["ok", "degraded", "disabled"]},
            "torrents": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "state": {"type": ["string", "null"]},
                        "progress": {"type": ["number", "null"]},
                        "dlspeed": {"type": ["integer", "null"]},
                        "eta": {"type": ["integer", "null"]},
                        "size": {"type": ["integer", "null"]},
                        "on_client": {"type": ["boolean", "null"]},
                        "label": {
                            "type": "string",
                            "description": "The state "
                            "in a few "
                            "words in "
                            "the "
                            "request's "
                            "language "
                            "(e.g. "
                            "«загружается "
                            "37 %», "
                            "«скачан»)",
                        },
                    },
                },
            },
        },
    },
)
