# Pure delivery logic: no machine, time or asyncio imports; time is passed in.
