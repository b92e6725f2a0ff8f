"""VAPID keys (RFC 8292) as the settings hold them: a raw P-256 private key, base64url.
Only `cryptography` here, so checking the settings and serving the public key do not load
the push client (clients/webpush.py)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keys() -> tuple[str, str]:
    """A new pair: (private key, public key), both base64url (the public key as the 65-byte
    uncompressed point browsers take as applicationServerKey)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big")), public_key_of(key)


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(
        key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )


def private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """The key in a VAPID_PRIVATE_KEY value; ValueError saying what is wrong."""
    try:
        raw = b64url_decode(text.strip())
    except (ValueError, TypeError):
        raise ValueError("is not base64url") from None
    if len(raw) != 32:
        raise ValueError("must be a raw P-256 private key: 32 bytes, base64url (see flask vapid-keys)")
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError:
        raise ValueError("is not a valid P-256 private key") from None
