"""Every string marked for translation has an English translation (Russian is the source)."""

import subprocess
import sys

from babel.messages.pofile import read_po

from .servers import ROOT


def test_english_catalog_covers_every_marked_string(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "movie_lottery/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert wanted - translated == set(), "run pybabel update and translate the new strings"
    assert wanted, "extraction found no strings"
