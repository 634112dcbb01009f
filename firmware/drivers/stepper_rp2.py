# ruff: noqa: F821 - PIO assembler names (pull, mov, jmp...) exist only inside rp2.asm_pio
# RP2040 backend: a PIO state machine emits the STEP pulses, timed in
# hardware to the microsecond; the CPU only feeds (count, period) segments and
# reads back how many pulses went out. Rate range: any rate from far below
# 1 Hz (the period word is 32 bits of us) up to the board's max_rate_hz;
# periods are exact to 1 us (0.8 % at 8 kHz, 0 % at basal rates).
#
# Only compiles on the host (needs rp2); the arithmetic lives in
# drivers/pulse_math.py and is tested there. Documented rp2 APIs only:
# rp2.asm_pio, rp2.StateMachine, put/get/tx_fifo/rx_fifo/active/exec/restart.

import asyncio

import rp2
from micropython import const

from drivers import pulse_math as pm
from drivers.stepper import DONE, StepperBase

_FIFO_DEPTH = const(4)
_POLL_MS = const(10)


# Per segment the CPU puts two words: the pulse count, then the low-time
# loop count. X counts pulses down in the same cycle as the rising edge, so
# after stopping the SM, count - X is exactly what went out. At the end of a
# segment the SM pushes a marker word (blocking: if the CPU is late the SM
# just waits, it never loses count).
def _program(high_delay):
    # Built per pulse width: the delay field is fixed at assembly time.
    @rp2.asm_pio(sideset_init=rp2.PIO.OUT_LOW)
    def step_train():
        wrap_target()
        pull(block)             .side(0)
        mov(x, osr)             .side(0)
        pull(block)             .side(0)
        label("next")
        jmp(not_x, "done")      .side(0)
        jmp(x_dec, "high")      .side(1)  # rising edge + count, one cycle
        label("high")
        mov(y, osr)             .side(1) [high_delay]
        label("low")
        jmp(y_dec, "low")       .side(0)
        jmp("next")             .side(0)
        label("done")
        in_(null, 32)           .side(0)
        push(block)             .side(0)
        wrap()

    return step_train


class PioStepper(StepperBase):
    def __init__(self, step, dir, en, cfg, clock, sm_id=0, endstops=None, delay_us=None):
        super().__init__(step, dir, en, cfg, endstops, delay_us)
        self._clock = clock
        prog = _program(pm.pio_high_delay(self._pulse_us))  # ValueError if too long
        self._sm = rp2.StateMachine(sm_id, prog, freq=pm.PIO_FREQ_HZ, sideset_base=step)
        self._counts = None  # pulse count of every segment of the move
        self._lows = None  # its delay-loop word, worked out once per move
        self._next = 0  # index of the next segment to put
        self._words = 0  # words put this move
        self._markers = 0  # segments finished (markers read)
        self._pending = None  # end stop seen by the IRQ, finished by the task
        self._task = None

    # ---- backend hooks ----
    def _start(self, direction, segs):
        sm = self._sm
        sm.active(0)
        sm.restart()
        self._drain()
        # Both lists are made once per move, so feeding a segment in the
        # steady state allocates nothing (no float math, no list growth).
        pulse_us = self._pulse_us
        self._counts = [c for c, _r in segs]
        self._lows = [pm.pio_low_loops(r, pulse_us) for _c, r in segs]
        self._next = 0
        self._words = 0
        self._markers = 0
        self._pending = None
        self._feed()
        sm.active(1)
        self._task = asyncio.create_task(self._watch())

    def _halt(self):
        sm = self._sm
        sm.active(0)
        self._delay_us(self._pulse_us)  # let a pulse in flight finish high
        sm.exec("nop() .side(0)")  # STEP low before EN can drop
        self._read_markers()
        pulled = self._words - sm.tx_fifo()
        sm.exec("mov(isr, x)")
        sm.exec("push(noblock)")
        x_left = sm.get()
        self._done = pm.pio_emitted(self._counts, pulled, x_left)
        task = self._task
        self._task = None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def endstop_hit(self, which):
        # Runs in a hard IRQ: stop the pulses now, allocate nothing; the
        # watcher task reads the count back and finishes the move.
        if self._busy and which == ("empty" if self._direction > 0 else "home"):
            self._sm.active(0)
            self._pending = which

    # ---- helpers ----
    def _feed(self):
        # Never block on a full FIFO: only put a pair when both words fit.
        sm = self._sm
        counts = self._counts
        while self._next < len(counts) and sm.tx_fifo() <= _FIFO_DEPTH - 2:
            sm.put(counts[self._next])
            sm.put(self._lows[self._next])
            self._words += 2
            self._next += 1

    def _read_markers(self):
        sm = self._sm
        while sm.rx_fifo():
            sm.get()
            self._markers += 1
        done = 0
        for i in range(self._markers):
            done += self._counts[i]
        self._done = done  # lower bound while running, exact at the end

    def _drain(self):
        sm = self._sm
        while sm.tx_fifo():
            sm.exec("pull(noblock)")
        while sm.rx_fifo():
            sm.get()

    async def _watch(self):
        try:
            while True:
                await self._clock.sleep_ms(_POLL_MS)
                if self._task is None:
                    return
                if self._pending is not None:
                    self._finish(self._pending)
                    return
                self._read_markers()
                self._feed()
                if self._markers == len(self._counts):
                    self._task = None
                    self._finish(DONE)
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            self._task = None
            self._finish("fault")
            raise
