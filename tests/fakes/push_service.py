"""A fake Web Push service on loopback, speaking TLS with a throwaway certificate authority.

It checks every push as a real service does (RFC 8030, 8291, 8292): a VAPID JWT signed
ES256 with the key in `k=` (which must be the site's public key), `aud` = this service's
origin, `exp` in the future and within 24 hours, a `sub` contact; a TTL header; and
`Content-Encoding: aes128gcm`. It then decrypts the payload with the subscription's private
key, which the test made (`new_subscription()`), so tests read what a browser would read.
A push that fails a check is answered as a real service would (400/401/403) and recorded
in `refusals`.

Per subscription it can answer 201, 404, 410, 429 with Retry-After, a 5xx, hang until
released, or "trickle": 201 and then a body of one byte every TRICKLE_SECONDS for up to
TRICKLE_BYTES bytes, so no single read ever waits long (`trickles` records when each such
answer started and when the client went away). `respond(token, [(429, {"Retry-After": "1"}), 201])`
sets the next answers.
The processes under test trust the CA through REQUESTS_CA_BUNDLE=<ca_path>.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import http_ece
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

MAX_BODY = 4096  # RFC 8030: services must accept at least 4096 bytes of payload
TRICKLE_SECONDS, TRICKLE_BYTES = 0.5, 240  # a trickling answer would take two minutes


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "movie_lottery test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@dataclass
class Subscription:
    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def browser_json(self, topics: list[str]) -> dict:
        """What PushSubscription.toJSON() gives a page, plus the chosen topics."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
            "topics": topics,
        }


@dataclass
class Push:
    token: str
    status: int
    message: dict | None
    headers: dict
    at: float
    body_size: int


@dataclass
class Trickle:
    token: str
    started: float
    ended: float | None = None  # when the client stopped reading (or the answer was complete)


class FakePushService:
    def __init__(self, folder: Path, vapid_public_key: str):
        self.ca_path, cert, key = make_certificates(folder)
        self.vapid_public_key = vapid_public_key
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, ssl_context=context)
        self.origin = f"https://127.0.0.1:{self._server.server_port}"
        self._cond = threading.Condition()
        self._subscriptions: dict[str, Subscription] = {}
        self._plans: dict[str, list] = {}
        self.pushes: list[Push] = []
        self.refusals: list[str] = []
        self.hanging = 0
        self.trickles: list[Trickle] = []
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakePushService:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._release.set()
        self._server.shutdown()
        self._thread.join(timeout=10)

    # -- control (test side) ---------------------------------------------------------
    def new_subscription(self) -> Subscription:
        token = secrets.token_urlsafe(12)
        subscription = Subscription(
            token, f"{self.origin}/push/{token}", ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16)
        )
        self._subscriptions[token] = subscription
        return subscription

    def respond(self, subscription: Subscription, answers: list) -> None:
        """The next answers for this subscription: 201, 404, 410, 500, (429, {"Retry-After": "1"}) or "hang"."""
        with self._cond:
            self._plans[subscription.token] = list(answers)

    def trickling(self) -> int:
        """How many trickling answers are still being read."""
        with self._cond:
            return sum(1 for trickle in self.trickles if trickle.ended is None)

    def release_hanging(self) -> None:
        self._release.set()

    def accepted(self, subscription: Subscription | None = None) -> list[dict]:
        with self._cond:
            return [
                p.message
                for p in self.pushes
                if p.status == 201 and (subscription is None or p.token == subscription.token)
            ]

    def attempts(self, subscription: Subscription) -> list[Push]:
        with self._cond:
            return [p for p in self.pushes if p.token == subscription.token]

    def wait_for(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    # -- the service ---------------------------------------------------------------------
    def _refuse(self, status: int, reason: str) -> Response:
        with self._cond:
            self.refusals.append(reason)
            self._cond.notify_all()
        return Response(reason, status=status)

    @Request.application
    def _app(self, request: Request) -> Response:
        token = request.path.removeprefix("/push/")
        subscription = self._subscriptions.get(token)
        if request.method != "POST" or subscription is None:
            return self._refuse(404, f"no subscription at {request.path}")
        problem = self._check_vapid(request.headers.get("Authorization", ""), f"https://{request.host}")
        if problem:
            return self._refuse(403 if "signature" in problem or "key" in problem else 401, problem)
        ttl = request.headers.get("TTL", "")
        if not ttl.isdigit():
            return self._refuse(400, f"TTL must be a number of seconds, got {ttl!r}")
        if request.headers.get("Content-Encoding") != "aes128gcm":
            return self._refuse(
                415, f"Content-Encoding must be aes128gcm, got {request.headers.get('Content-Encoding')!r}"
            )
        body = request.get_data()
        if len(body) > MAX_BODY:
            return self._refuse(413, f"payload of {len(body)} bytes")
        try:
            plain = http_ece.decrypt(
                body, private_key=subscription.private_key, auth_secret=subscription.auth, version="aes128gcm"
            )
            message = json.loads(plain)
        except Exception as exc:  # noqa: BLE001 - anything undecryptable is a refusal
            return self._refuse(400, f"payload does not decrypt: {exc!r}")
        answer = self._next_answer(token)
        if answer == "hang":
            with self._cond:
                self.hanging += 1
                self._cond.notify_all()
            self._release.wait(60)
            with self._cond:
                self.hanging -= 1
            answer = 201
        if answer == "trickle":
            return self._trickle(token, message, request, len(body))
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        with self._cond:
            self.pushes.append(Push(token, status, message, dict(request.headers), time.monotonic(), len(body)))
            self._cond.notify_all()
        return Response("", status=status, headers=headers)

    def _trickle(self, token: str, message: dict, request: Request, body_size: int) -> Response:
        trickle = Trickle(token, time.monotonic())
        with self._cond:
            self.trickles.append(trickle)
            self.pushes.append(Push(token, 0, message, dict(request.headers), trickle.started, body_size))
            self._cond.notify_all()

        def body():
            try:
                for _ in range(TRICKLE_BYTES):
                    if self._release.wait(TRICKLE_SECONDS):
                        return
                    yield b"x"
            finally:  # the server closes the body when the client went away, or at the end
                with self._cond:
                    trickle.ended = time.monotonic()
                    self._cond.notify_all()

        return Response(body(), status=201)  # no length: sent chunk by chunk, one byte each

    def _next_answer(self, token: str):
        with self._cond:
            plan = self._plans.get(token)
            return plan.pop(0) if plan else 201

    def _check_vapid(self, authorization: str, origin: str) -> str | None:
        """`origin`: the one the push was sent to (127.0.0.1 or localhost, both this service's)."""
        scheme, _sep, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return f"Authorization must use the vapid scheme (RFC 8292), got {scheme!r}"
        parts = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        if "t" not in parts or "k" not in parts:
            return "Authorization needs t= and k="
        if parts["k"] != self.vapid_public_key:
            return "k= is not the application server key the subscription was made with"
        try:
            header_b64, claims_b64, signature_b64 = parts["t"].split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            signature = b64url_decode(signature_b64)
        except ValueError:
            return "t= is not a JWT"
        if header.get("alg") != "ES256":
            return f"JWT alg must be ES256, got {header.get('alg')!r}"
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
        if len(signature) != 64:
            return "JWT signature must be 64 bytes (r || s)"
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "JWT signature does not verify with k="
        if claims.get("aud") != origin:
            return f"aud must be {origin}, got {claims.get('aud')!r}"
        exp = claims.get("exp")
        if not isinstance(exp, int) or not time.time() < exp <= time.time() + 24 * 3600:
            return f"exp must be in the future and within 24 hours, got {exp!r}"
        sub = str(claims.get("sub", ""))
        if not sub.startswith(("mailto:", "https://")):
            return f"sub must be a mailto: or https: contact, got {sub!r}"
        return None
