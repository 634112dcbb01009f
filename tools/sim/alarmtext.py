# Recognising an alarm in the firmware's text output (simulator only; runs on
# both runtimes: the firmware side records it in the CSV, the terminal UI
# shows it). The simulator never looks inside the firmware, so alarms are
# what the pump says on its console.

ALARM_IDS = ("occlusion", "empty", "motor_fault", "config_error", "uncertain_delivery",
             "watchdog_reset", "low_reservoir", "low_battery", "no_time", "task_died",
             "button_stuck", "storage_error")


def alarm_in(line):
    """The alarm id a firmware output line raises, or None. Recognises
    `ALARM <id> ...` (human) and `{"event": "alarm", ... "<id>" ...}` (JSON);
    lines about acknowledging or clearing are not raises."""
    low = line.lower()
    if "alarm" not in low or "ack" in low or "clear" in low:
        return None
    if "ALARM" not in line and '"alarm"' not in low:
        return None
    for a in ALARM_IDS:
        if a in low:
            return a
    return None
