# plunger-test: both
# Exact parsing: units with up to 3 decimals become integer milliunits.
from console import parse
from console.parse import Usage
from testkit import raises


def test_units_are_exact_milliunits():
    assert parse.units_mu("1.5") == 1500
    assert parse.units_mu("0.05") == 50
    assert parse.units_mu("0.001") == 1
    assert parse.units_mu("12") == 12000
    assert parse.units_mu("007.250") == 7250
    assert parse.units_mu("0") == 0


def test_every_bad_amount_is_refused():
    for bad in ("1.2345", "1e3", "-1", "+1", "nan", "inf", "", "1..2", "1.", ".5", " 1",
                "1,5", "0x10", "1_000", "\u0661", "\u00b2", "1234567", "1.5U"):
        raises(Usage, parse.units_mu, bad)


def test_integer_bounds():
    assert parse.integer("250", 0, 250, "p") == 250
    e = raises(Usage, parse.integer, "251", 0, 250, "p")
    assert "0..250" in str(e)
    raises(Usage, parse.integer, "-1", 0, 250, "p")


def test_durations():
    assert parse.duration_min("90") == 90
    assert parse.duration_min("90m") == 90
    assert parse.duration_min("2h") == 120
    assert parse.duration_min("1h30") == 90
    assert parse.duration_min("1h30m") == 90
    for bad in ("", "h", "m", "1x", "1h1h", "-5", "0", "25h", "1.5h"):
        raises(Usage, parse.duration_min, bad)


def test_clock_minutes():
    assert parse.clock_min("00:00") == 0
    assert parse.clock_min("23:59") == 1439
    for bad in ("24:00", "12:60", "1200", "12:5", ":30", "a:bc"):
        raises(Usage, parse.clock_min, bad)


def test_wall_time_matches_known_epochs():
    assert parse.wall_s(["2026-11-22", "04:10:05"]) == 1795320605
    assert parse.wall_s(["2026-11-22T04:10:05Z"]) == 1795320605
    assert parse.wall_s(["2000-03-01"]) == 951868800
    assert parse.wall_s(["1795320605"]) == 1795320605
    assert parse.format_wall(1795320605) == "2026-11-22 04:10:05"
    assert parse.format_wall(951782400) == "2000-02-29 00:00:00"


def test_wall_time_round_trips_over_leap_years():
    for day in range(10950, 11500, 7):  # 1999..2001, covers 2000-02-29
        s = day * 86400 + 3723
        txt = parse.format_wall(s)
        if txt >= "2000":
            d, t = txt.split(" ")
            assert parse.wall_s([d, t]) == s


def test_bad_wall_times():
    for bad in (["2026-02-30"], ["2026-13-01"], ["1999-01-01"], ["2026-1-01"],
                ["2026-11-22", "25:00"], ["2026-11-22", "10:00:61"], ["x"], ["1", "2", "3"]):
        raises(Usage, parse.wall_s, bad)


def test_format_mu():
    assert parse.format_mu(1500) == "1.500"
    assert parse.format_mu(5) == "0.005"
    assert parse.format_mu(-50) == "-0.050"
    assert parse.format_mu(None) == "-"
