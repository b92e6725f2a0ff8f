import base64
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movie_lottery.services.torrents.magnets import MagnetError, parse_magnet, parse_torrent_file

HASH = "c9e15763f722f23e98a29decdfae341b98d53056"
B32 = base64.b32encode(bytes.fromhex(HASH)).decode()


@pytest.mark.parametrize(
    "text",
    [
        f"magnet:?xt=urn:btih:{HASH}",
        f"magnet:?xt=urn:btih:{HASH.upper()}&dn=Film",
        f"  magnet:?xt=urn:btih:{B32}&tr=udp%3A%2F%2Ftracker.example%3A80  ",
        f"magnet:?xt=urn:btih:{B32.lower()}",
        f"magnet:?xt=urn:btih:{HASH}&xt=urn:btmh:1220{'ab' * 32}&dn=Hybrid",
    ],
)
def test_good_magnets_normalise_to_lower_hex(text):
    magnet = parse_magnet(text)
    assert magnet.info_hash == HASH
    assert magnet.uri.startswith(f"magnet:?xt=urn:btih:{HASH}")


def test_name_and_trackers_are_kept():
    magnet = parse_magnet(f"magnet:?xt=urn:btih:{HASH}&dn=Брат+2&tr=udp://a.example:80&tr=http://b.example/announce")
    assert magnet.display_name == "Брат 2"
    assert magnet.trackers == ("udp://a.example:80", "http://b.example/announce")
    assert "dn=" in magnet.uri and magnet.uri.count("tr=") == 2


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("javascript:alert(1)", "must start with magnet:?"),
        ("http://example.org/file.torrent", "must start with magnet:?"),
        ("magnet:?dn=NoHash", "no info hash"),
        (f"magnet:?xt=urn:btih:{HASH[:-1]}", "40 hexadecimal or 32 base32"),
        (f"magnet:?xt=urn:btih:{HASH}0", "40 hexadecimal or 32 base32"),
        (f"magnet:?xt=urn:btih:{'z' * 40}", "40 hexadecimal or 32 base32"),
        (f"magnet:?xt=urn:btmh:1220{'ab' * 32}", "v2-only"),
        ("magnet:?xt=urn:sha1:abc", "not a BitTorrent info hash"),
        (f"magnet:?xt=urn:btih:{HASH}&tr=javascript:alert(1)", "invalid magnet link"),
        ("magnet:?xt=urn:btih:" + "a" * 9000, "longer than"),
        ("", "must start with magnet:?"),
    ],
)
def test_bad_magnets_say_what_is_wrong(text, needle):
    with pytest.raises(MagnetError, match=needle.replace("?", r"\?").replace("(", r"\(")):
        parse_magnet(text)


magnetish = st.builds(
    lambda xt, extra: f"magnet:?xt={xt}{extra}",
    st.one_of(
        st.text(alphabet=string.printable, max_size=80),
        st.builds(
            lambda h: f"urn:btih:{h}", st.text(alphabet="0123456789abcdefABCDEFxyz234567=", min_size=30, max_size=42)
        ),
    ),
    st.text(alphabet=string.printable + "&=%+абв", max_size=60),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), magnetish))
def test_any_text_gives_a_normalised_hash_or_a_magnet_error(text):
    try:
        magnet = parse_magnet(text)
    except MagnetError as exc:
        assert str(exc)
    else:
        assert len(magnet.info_hash) == 40 and set(magnet.info_hash) <= set("0123456789abcdef")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_as_a_torrent_file_give_a_magnet_error(data):
    with pytest.raises(MagnetError):
        parse_torrent_file(data)


def test_a_real_torrent_file(tmp_path):
    from .fakes.qbittorrent_nox import make_completed_torrent

    data, info_hash = make_completed_torrent(tmp_path)
    magnet, raw = parse_torrent_file(data)
    assert magnet.info_hash == info_hash and raw == data
    assert magnet.display_name == "demo-film.mkv"
    with pytest.raises(MagnetError, match="larger than"):
        parse_torrent_file(b"d" + b"0" * (3 * 1024 * 1024))
