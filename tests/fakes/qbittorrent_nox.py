"""The real qbittorrent-nox (Debian's package) on a loopback port with a throwaway profile.

Not a fake: only the profile is made up. qBittorrent 4.5 keeps WebUI credentials as
WebUI\\Password_PBKDF2="@ByteArray(<salt b64>:<key b64>)", PBKDF2-HMAC-SHA512 with
100 000 iterations, a 16-byte salt and a 64-byte key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import requests
import torf

from ..servers import free_port, stop_process

USERNAME, PASSWORD = "admin", "s3cret-webui-pass"


def ensure_installed() -> str:
    path = shutil.which("qbittorrent-nox")
    if path:
        return path
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=600, check=False, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "qbittorrent-nox"],
        env=env,
        timeout=900,
        check=True,
        capture_output=True,
    )
    path = shutil.which("qbittorrent-nox")
    if not path:
        raise RuntimeError("qbittorrent-nox could not be installed")
    return path


def password_pbkdf2(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000, 64)
    return f"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()})"


class QbitProcess:
    def __init__(self, root: Path):
        self.binary = ensure_installed()
        self.root, self.port = root, free_port()
        self.save_path = root / "downloads"
        self.save_path.mkdir(parents=True, exist_ok=True)
        config = root / "qBittorrent" / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "qBittorrent.conf").write_text(
            "[LegalNotice]\nAccepted=true\n\n"
            "[BitTorrent]\n"
            f"Session\\DefaultSavePath={self.save_path}\n"
            "Session\\DHTEnabled=false\nSession\\PeXEnabled=false\nSession\\LSDEnabled=false\n"
            f"Session\\Port={free_port()}\n\n"
            "[Preferences]\n"
            "WebUI\\Address=127.0.0.1\n"
            f"WebUI\\Port={self.port}\n"
            f"WebUI\\Username={USERNAME}\n"
            f'WebUI\\Password_PBKDF2="{password_pbkdf2(PASSWORD)}"\n'
            "WebUI\\HostHeaderValidation=false\nWebUI\\CSRFProtection=false\n"
            "Connection\\UPnP=false\nGeneral\\Locale=en\n"
        )
        self.host, self.username, self.password = "http://127.0.0.1", USERNAME, PASSWORD
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self, timeout: float = 30) -> None:
        log = open(self.root / "qbittorrent.log", "ab")
        self.process = subprocess.Popen(
            [self.binary, f"--profile={self.root}", f"--webui-port={self.port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.host}:{self.port}/api/v2/app/version", timeout=0.5)
                return
            except requests.RequestException:
                if self.process.poll() is not None:
                    raise RuntimeError(f"qbittorrent-nox exited: {(self.root / 'qbittorrent.log').read_text()}")
                time.sleep(0.1)
        raise RuntimeError("qbittorrent-nox did not start")

    def stop(self) -> None:
        stop_process(self.process)

    def __enter__(self) -> QbitProcess:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def make_completed_torrent(save_path: Path, name: str = "demo-film.mkv", size: int = 300_000) -> tuple[bytes, str]:
    """Write a file into the save path and build a .torrent for it: qBittorrent checks the
    existing data and reaches 100 % without any network."""
    data_file = save_path / name
    seed = hashlib.sha256(name.encode()).digest()
    data_file.write_bytes((seed * (size // len(seed) + 1))[:size])
    torrent = torf.Torrent(
        path=data_file, trackers=["http://127.0.0.1:1/announce"], private=True, creation_date=None, created_by=None
    )
    torrent.generate()
    return torrent.dump(), torrent.infohash
