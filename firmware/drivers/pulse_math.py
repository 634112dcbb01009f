# Pulse-train arithmetic for the hardware step generators, kept pure so it is
# tested on the host under CPython and MicroPython (the backends themselves
# need rp2 / esp32 and only compile on the host).

from micropython import const

from drivers.ramp import period_us

# ---- RP2040 PIO ----------------------------------------------------------
# The PIO program in stepper_rp2.py runs at PIO_FREQ_HZ, one cycle per us.
# Per pulse it spends (high_delay + 2) cycles high and (low_loops + 3) low,
# so period = low_loops + high_delay + PIO_OVERHEAD_CYCLES cycles.
PIO_FREQ_HZ = const(1000000)
PIO_OVERHEAD_CYCLES = const(5)
PIO_MAX_HIGH_DELAY = const(15)  # 4 delay bits left next to 1 side-set bit


def pio_high_delay(pulse_us):
    """Delay field of the rising-edge instruction for a pulse of at least
    pulse_us; ValueError if the PIO program cannot make it that long."""
    d = max(0, pulse_us - 2)
    if d > PIO_MAX_HIGH_DELAY:
        raise ValueError("pulse_us %d too long for the PIO program (max %d)"
                         % (pulse_us, PIO_MAX_HIGH_DELAY + 2))
    return d


def pio_low_loops(rate_hz, pulse_us):
    """Word the CPU puts after the count: delay-loop iterations so one pulse
    lasts 1e6 / rate_hz cycles (nearest cycle). Never shorter than the pulse
    plus the fixed overhead."""
    cycles = period_us(rate_hz)  # 1 cycle == 1 us at PIO_FREQ_HZ
    return max(0, cycles - pio_high_delay(pulse_us) - PIO_OVERHEAD_CYCLES)


def pio_period_us(low_loops, pulse_us):
    """The period the PIO really produces for a given low_loops word."""
    return low_loops + pio_high_delay(pulse_us) + PIO_OVERHEAD_CYCLES


def pio_emitted(seg_counts, words_pulled, x_left):
    """Pulses emitted after the state machine was stopped.

    seg_counts: pulse count of every segment put in the TX FIFO, in order
    (two words each: count, low_loops). words_pulled: words the SM took from
    the FIFO (words put - tx_fifo()). x_left: its X register, the pulses it
    still owed on the segment in flight (X drops in the same cycle as the
    rising edge, so this is exact). A segment whose second word is not yet
    pulled has emitted nothing."""
    started = (words_pulled + 1) // 2
    done = 0
    for i in range(started):
        if i < started - 1:
            done += seg_counts[i]
        elif words_pulled % 2 == 0:
            done += seg_counts[i] - x_left
    return done


# ---- ESP32 RMT -----------------------------------------------------------
# RMT at 1 MHz resolution (80 MHz / clock_div 80): every duration is whole
# microseconds, each at most 32767 ticks. A pulse is [high, low]; a chunk is
# n pulses written at once. A period longer than one item allows is one
# pulse per write, its low time split over several items (mode 3).
RMT_RES_HZ = const(1000000)
RMT_MAX_TICKS = const(32767)
RMT_CHUNK_MAX_PULSES = const(64)  # ~1 RMT memory block of items
RMT_CHUNK_MAX_US = const(10000)  # bounds how late stop() takes effect


def rmt_min_rate_hz(pulse_us):
    """Slowest rate a single RMT [high, low] pair can time in hardware."""
    return RMT_RES_HZ // (pulse_us + RMT_MAX_TICKS) + 1


def rmt_pulse(rate_hz, pulse_us):
    """(high_ticks, low_ticks) for one hardware-timed pulse at rate_hz, or
    None when the period is too long for the RMT (time it in software)."""
    per = period_us(rate_hz)
    low = per - pulse_us
    if low < 1:
        low = 1
    if low > RMT_MAX_TICKS:
        return None
    return pulse_us, low


def rmt_long_items(rate_hz, pulse_us):
    """(durations, levels) for write_pulses' mode 3: ONE pulse whose low
    time is too long for one item (below rmt_min_rate_hz: every bolus and
    basal rate). High for pulse_us, then the low split into items of at
    most RMT_MAX_TICKS, so the whole period is timed by the RMT. Made once
    per segment."""
    low = period_us(rate_hz) - pulse_us
    durations = [pulse_us]
    levels = [1]
    while low > RMT_MAX_TICKS:
        durations.append(RMT_MAX_TICKS)
        levels.append(0)
        low -= RMT_MAX_TICKS
    durations.append(low)
    levels.append(0)
    return durations, levels


def rmt_chunk_pulses(rate_hz, pulse_us, left):
    """Pulses to write in the next chunk: at most RMT_CHUNK_MAX_US long and
    RMT_CHUNK_MAX_PULSES pulses, at least one, never more than left."""
    per = period_us(rate_hz)
    n = RMT_CHUNK_MAX_US // per
    if n > RMT_CHUNK_MAX_PULSES:
        n = RMT_CHUNK_MAX_PULSES
    if n < 1:
        n = 1
    return n if n < left else left
