# plunger-test: both
# Golden screens: each scene drawn by the real UI code must match the
# committed picture in host_tests/golden/<scene>.txt ('#' lit, '.' dark), so
# any layout change shows up in review as a text diff. On MicroPython this
# uses the real framebuf; on CPython the host shim (tools/cpython_shims).
# After an intended change: python tools/screenshot.py --golden
from screenshot import SCENES, render_scene, to_ascii


def check(name):
    with open("golden/" + name + ".txt") as f:
        want = f.read()
    got = to_ascii(render_scene(name))
    if got != want:
        wl = want.split("\n")
        gl = got.split("\n")
        for y in range(min(len(wl), len(gl))):
            if wl[y] != gl[y]:
                raise AssertionError("%s differs from golden at row %d:\n%s\n%s"
                                     % (name, y, wl[y], gl[y]))
        raise AssertionError("%s: different size" % name)


def test_status():
    check("status")


def test_status_temp_alarm_no_confirm_marker():
    check("status_temp_alarm")


def test_menu():
    check("menu")


def test_menu_bolus():
    check("menu_bolus")


def test_menu_temp_basal():
    check("menu_temp_basal")


def test_edit_bolus():
    check("edit_bolus")


def test_confirm_bolus():
    check("confirm_bolus")


def test_alarm():
    check("alarm")


def test_status_with_the_longest_values_cuts_nothing():
    # 999.999 U reservoir (1249 h: days), a 25 U extended bolus, a temp by
    # rate, the longest alarm name with two more behind it.
    check("status_longest")


def test_longest_alarm_text_wraps_between_words_high_priority_on_top():
    check("alarm_longest")


def test_console_prompt_wraps_between_words():
    check("console_prompt")


def test_a_press_that_only_wakes_the_screen_says_so():
    check("woken")


def test_every_scene_has_a_golden():
    import os

    files = os.listdir("golden")
    for name in SCENES:
        assert name + ".txt" in files, name


def test_golden_differs_when_the_status_changes():
    # The comparison can fail: a different IOB changes the picture.
    import screenshot

    base = to_ascii(render_scene("status"))
    old = screenshot.sample_status

    def other():
        st = old()
        st["iob_mu"] = 9990
        return st

    screenshot.sample_status = other
    try:
        assert to_ascii(render_scene("status")) != base
    finally:
        screenshot.sample_status = old
