"""Reading Letterboxd and IMDb exports in their real layouts (the columns each service writes),
and refusing what is not one, row by row, before anything is written."""

from __future__ import annotations

import io
import tempfile
import tracemalloc
import zipfile

import pytest

from movie_lottery.services.imports.exports import ExportRefused, read_export

WATCHED = 'Date,Name,Year,Letterboxd URI\r\n2023-01-02,Амели,2001,https://boxd.it/1Xx2\r\n2023-01-05,"Paris, Texas",1984,https://boxd.it/2aQy\r\n'
RATINGS = "Date,Name,Year,Letterboxd URI,Rating\r\n2023-01-02,Амели,2001,https://boxd.it/1Xx2,4.5\r\n2023-02-01,Dune: Part Two,2024,https://boxd.it/BBbX,0.5\r\n"
DIARY = (
    "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\r\n"
    '2023-01-02,Амели,2001,https://boxd.it/aaaa,4.5,,"paris, cozy",2022-12-31\r\n'
    '2023-03-03,"Crouching Tiger, Hidden Dragon",2000,https://boxd.it/bbbb,,Yes,,2023-03-01\r\n'
)
WATCHLIST = "Date,Name,Year,Letterboxd URI\r\n2024-06-01,Perfect Days,2023,https://boxd.it/xyz1\r\n2024-06-02,Untitled Project,,https://boxd.it/xyz2\r\n"
IMDB = (
    "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\r\n"
    'tt0211915,9,2024-02-10,Amélie,Le fabuleux destin d\'Amélie Poulain,https://www.imdb.com/title/tt0211915/,Movie,8.3,122,2001,"Comedy, Romance",800000,2001-04-25,Jean-Pierre Jeunet\r\n'
    'tt0087884,7,2024-02-11,"Paris, Texas","Paris, Texas",https://www.imdb.com/title/tt0087884/,Movie,8.1,145,1984,Drama,120000,1984-05-19,Wim Wenders\r\n'
)


def letterboxd_zip(**overrides: str | bytes) -> io.BytesIO:
    files: dict[str, str | bytes] = {
        "profile.csv": "Date Joined,Username,Given Name\r\n2020-01-01,anya,Аня\r\n",
        "reviews.csv": "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\r\n",
        "comments.csv": "Date,Content,Comment\r\n",
        "watched.csv": WATCHED,
        "ratings.csv": RATINGS,
        "diary.csv": DIARY,
        "watchlist.csv": WATCHLIST,
        "likes/films.csv": "Date,Name,Year,Letterboxd URI\r\n2023-01-02,Амели,2001,https://boxd.it/1Xx2\r\n",
        "deleted/diary.csv": "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\r\nnot,a,real,row,9,,,\r\n",
    }
    files.update(overrides)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def rows(data: bytes | io.BytesIO, name: str = "export.zip"):
    stream = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    return list(read_export(stream, name))


def test_a_letterboxd_zip_gives_seen_marks_scores_and_the_watchlist():
    read = rows(letterboxd_zip())
    assert [r.row for r in read] == list(range(1, len(read) + 1))
    by_source = {}
    for r in read:
        by_source.setdefault(r.source, []).append(r)
    assert set(by_source) == {
        "letterboxd/watched.csv",
        "letterboxd/diary.csv",
        "letterboxd/ratings.csv",
        "letterboxd/watchlist.csv",
    }
    assert [(r.title, r.year, r.seen) for r in by_source["letterboxd/watched.csv"]] == [
        ("Амели", 2001, True),
        ("Paris, Texas", 1984, True),
    ]
    assert [(r.title, r.score) for r in by_source["letterboxd/ratings.csv"]] == [("Амели", 9), ("Dune: Part Two", 1)]
    diary = by_source["letterboxd/diary.csv"]
    assert diary[0].watched_on.isoformat() == "2022-12-31" and diary[0].score == 9
    assert diary[1].title == "Crouching Tiger, Hidden Dragon" and diary[1].score is None
    watchlist = by_source["letterboxd/watchlist.csv"]
    assert all(r.watchlist and not r.seen for r in watchlist)
    assert watchlist[1].year is None


def test_one_letterboxd_csv_alone_is_read_by_its_name():
    read = rows(RATINGS.encode(), "ratings.csv")
    assert [r.score for r in read] == [9, 1]
    assert all(r.source == "letterboxd/ratings.csv" for r in read)
    with pytest.raises(ExportRefused) as refused:
        rows(WATCHED.encode(), "export.csv")
    assert refused.value.code == "wrong_columns"


def test_an_imdb_ratings_export_keeps_its_tt_ids_and_scores():
    read = rows(IMDB.encode(), "ratings.csv")
    assert [(r.imdb_id, r.score, r.year, r.title) for r in read] == [
        ("tt0211915", 9, 2001, "Amélie"),
        ("tt0087884", 7, 1984, "Paris, Texas"),
    ]
    assert all(r.seen and r.source == "imdb/ratings.csv" for r in read)


def test_a_byte_order_mark_and_an_upload_stream_are_fine_and_the_stream_stays_open():
    with tempfile.SpooledTemporaryFile(max_size=10) as upload:
        upload.write(b"\xef\xbb\xbf" + IMDB.encode())
        upload.seek(0)
        assert len(list(read_export(upload, "ratings.csv"))) == 2
        assert not upload.closed


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"\x89PNG\r\n\x1a\nnot a csv at all", "ratings.csv", "bad_encoding"),
        (b"just some words\r\nwithout columns\r\n", "notes.txt", "wrong_columns"),
        (b"title,stars\r\nAmelie,5\r\n", "ratings.csv", "wrong_columns"),
        (
            ("Date,Name,Year,Letterboxd URI\r\n2023-01-02,Am").encode() + b"\xe9lie,2001,x\r\n",
            "watched.csv",
            "bad_encoding",
        ),
        (b"Date,Name,Year,Letterboxd URI\r\n2023-13-45,Amelie,2001,x\r\n", "watched.csv", "bad_row"),
        (b"Date,Name,Year,Letterboxd URI,Rating\r\n2023-01-02,Amelie,2001,x,7\r\n", "ratings.csv", "bad_row"),
        (b"Date,Name,Year,Letterboxd URI,Rating\r\n2023-01-02,Amelie,2001,x,2.25\r\n", "ratings.csv", "bad_row"),
        (IMDB.replace("tt0211915", "nm0000123").encode(), "ratings.csv", "bad_row"),
        (IMDB.replace(",9,2024-02-10,", ",11,2024-02-10,").encode(), "ratings.csv", "bad_row"),
        (b"Date,Name,Year,Letterboxd URI\r\n2023-01-02,Amelie,20O1,x\r\n", "watched.csv", "bad_row"),
        (b"Date,Name,Year,Letterboxd URI\r\n2023-01-02,,2001,x\r\n", "watched.csv", "bad_row"),
        (b"PK\x03\x04 truncated zip", "export.zip", "not_an_export"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, name, code):
    with pytest.raises(ExportRefused) as refused:
        rows(data, name)
    assert refused.value.code == code
    assert refused.value.detail


def test_a_zip_without_letterboxd_files_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("deleted/watched.csv", WATCHED)
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ExportRefused) as refused:
        rows(buffer.getvalue())
    assert refused.value.code == "not_an_export"


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = b"Date,Name,Year,Letterboxd URI\r\n" + b"0" * (60 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("watched.csv", bomb)
    del bomb
    assert len(buffer.getvalue()) < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ExportRefused) as refused:
            rows(buffer.getvalue())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "zip_bomb"
    assert peak < 4 * 1024 * 1024


def test_a_2000_film_export_streams_in_little_memory():
    lines = [
        "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors"
    ]
    for n in range(2000):
        lines.append(
            f'tt{1000000 + n},{n % 10 + 1},2024-01-01,"Film {n}, a long title to make the rows realistic",https://www.imdb.com/title/tt{1000000 + n}/,Movie,7.1,{90 + n % 60},{1950 + n % 70},"Drama, Comedy",1000,2000-01-01,Someone'
        )
    data = ("\r\n".join(lines) + "\r\n").encode()
    tracemalloc.start()
    try:
        seen = 0
        for row in read_export(io.BytesIO(data), "ratings.csv"):
            seen += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 2000
    assert peak < 1024 * 1024  # rows stream: the 2 000 of them are never held at once
