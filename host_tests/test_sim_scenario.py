# plunger-test: both
# The simulator's scenario-script parser (tools/sim/scenario.py), which runs
# inside the firmware's process, so it must work on both runtimes.
import sys

sys.path.insert(0, "../tools/sim")
import scenario  # noqa: E402
from testkit import raises  # noqa: E402


def test_times_and_actions_parse_in_time_order():
    acts = scenario.parse(
        "# a day\n"
        "\n"
        "01:00:00 press ok 2000\n"
        "00:10:00 console bolus 1.0\n"
        "00:10:00 fault occlusion\n"
        "05:00:00.250 fault power_cut 5000\n"
        "06:00:00 battery 3300\n"
        "07:00:00 fill 2.5\n"
        "08:00:00 fault stuck back\n"
        "09:00:00 screenshot\n")
    assert acts == [
        (600000, "console", ["bolus 1.0"]),
        (600000, "fault", ["occlusion"]),
        (3600000, "press", ["ok", 2000]),
        (18000250, "fault", ["power_cut", 5000]),
        (21600000, "battery", [3300]),
        (25200000, "fill", [2500]),
        (28800000, "fault", ["stuck", "back"]),
        (32400000, "screenshot", []),
    ]


def test_defaults_for_press_power_cut_and_hang():
    acts = scenario.parse("00:00:01 press up\n00:00:02 fault power_cut\n00:00:03 fault hang\n")
    assert acts == [(1000, "press", ["up", 100]), (2000, "fault", ["power_cut", 1000]),
                    (3000, "fault", ["hang", 10000])]


def test_console_line_keeps_its_inner_spacing():
    acts = scenario.parse("00:00:01 console   temp  50% 30\n")
    assert acts == [(1000, "console", ["temp  50% 30"])]


def test_decimal_never_uses_floats_and_rounds_down():
    assert scenario.decimal("2.5", 1000) == 2500
    assert scenario.decimal("0.0015", 1000) == 1
    assert scenario.decimal("3", 1000) == 3000
    assert scenario.decimal(".5", 1000) == 500
    for bad in ("", ".", "1.2.3", "-1", "1e3", "x"):
        assert scenario.decimal(bad, 1000) is None


def test_every_bad_line_names_its_line_number():
    cases = (
        ("1:00 press ok", "time must be"),
        ("00:61:00 press ok", "time must be"),
        ("00:00:60 press ok", "time must be"),
        ("00:00:01", "missing action"),
        ("00:00:01 dance", "unknown action"),
        ("00:00:01 press menu", "press BUTTON"),
        ("00:00:01 press ok long", "whole ms"),
        ("00:00:01 fault fire", "fault KIND"),
        ("00:00:01 fault stuck", "fault stuck BUTTON"),
        ("00:00:01 fault occlusion now", "takes no argument"),
        ("00:00:01 battery 3.3", "battery MV"),
        ("00:00:01 fill lots", "fill ML"),
        ("00:00:01 console", "console needs"),
    )
    for line, words in cases:
        e = raises(scenario.ScenarioError, scenario.parse, "# x\n" + line + "\n", "s.txt")
        assert str(e).startswith("s.txt:2: "), str(e)
        assert words in str(e), (line, str(e))
