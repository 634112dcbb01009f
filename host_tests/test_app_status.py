# plunger-test: both
# `status` on the console says what the pump is really doing (issue 15 item
# 12): an alarm holding the motor, waiting for a refill; the real facade.
from app_rig import NOON_S, boot
from console.shell import Console
from testkit import run_async


async def _no(prompt, timeout_ms):
    return False


def _status_text(pump, clock):
    out = []
    con = Console(pump, clock.now_ms, out.append, _no)
    run_async(con.run_line("status"))
    return "".join(out)


def test_console_status_says_an_alarm_holds_the_motor():
    pump, _, flash, clock = boot()
    pump.bolus(0, 2000)
    pump.engine.plan(5000)  # power cut mid-bolus
    pump2, _, _, clock2 = boot(flash=flash.reboot(), wall_s=NOON_S + 10)
    text = _status_text(pump2, clock2)
    assert "state      stopped" in text
    assert "why        stopped by alarm uncertain_delivery" in text
    assert "basal      0.000 U/h" in text


def test_console_status_says_waiting_for_a_refill():
    pump, _, _, clock = boot()
    pump.suspend(0)
    pump.rewind(0)
    pump.engine.at_home(0)
    assert "why        waiting for a refill" in _status_text(pump, clock)
    pump.new_reservoir(0, 100000)
    pump.resume(0)
    assert "why " not in _status_text(pump, clock)
