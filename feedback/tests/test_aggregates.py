"""The dashboard's median also works on the embedded SQLite database of `make run`."""

from __future__ import annotations

import sqlite3

from feedback.aggregates import SqliteMedian


def _median(values: list[int | None]) -> float | None:
    database = sqlite3.connect(":memory:")
    database.create_aggregate("MEDIAN", 1, SqliteMedian)  # type: ignore[arg-type]
    database.execute("CREATE TABLE gaps (days INTEGER)")
    database.executemany("INSERT INTO gaps VALUES (?)", [(value,) for value in values])
    (median,) = database.execute("SELECT MEDIAN(days) FROM gaps").fetchone()
    return median


def test_the_sqlite_median_interpolates_like_percentile_cont() -> None:
    assert _median([30, 10, 20]) == 20
    assert _median([10, 20, 30, 40]) == 25
    assert _median([None, 5]) == 5
    assert _median([]) is None
