# plunger-test: both
# The virtual clock runs tasks in simulated time, in order, without sleeping.
import asyncio

from vclock import VirtualClock


def test_tasks_wake_in_time_order():
    clock = VirtualClock()
    seen = []

    async def ticker(name, period_ms, count):
        for _ in range(count):
            await clock.sleep_ms(period_ms)
            seen.append((clock.now_ms(), name))

    async def scenario():
        a = asyncio.create_task(ticker("a", 300, 4))
        b = asyncio.create_task(ticker("b", 500, 2))
        await clock.run_until(2000)
        a.cancel()
        b.cancel()

    asyncio.run(scenario())
    assert seen == [(300, "a"), (500, "b"), (600, "a"), (900, "a"), (1000, "b"), (1200, "a")]
    assert clock.now_ms() == 2000


def test_a_day_of_minute_ticks_is_fast_and_exact():
    clock = VirtualClock(start_ms=7)
    count = [0]

    async def minutely():
        while True:
            await clock.sleep_ms(60000)
            count[0] += 1

    async def scenario():
        t = asyncio.create_task(minutely())
        await clock.run_until(7 + 24 * 3600 * 1000)
        t.cancel()

    asyncio.run(scenario())
    assert count[0] == 24 * 60
