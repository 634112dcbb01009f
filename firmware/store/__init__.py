# Persistence: config file, delivery journal, recovery at boot, alarms and
# the watchdog gate. Everything here takes its filesystem (store.fs) and its
# time (now_ms, wall_s) from the caller, so it runs and is tested on the host.
