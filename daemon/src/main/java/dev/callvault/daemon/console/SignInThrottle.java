package dev.callvault.daemon.console;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing, per user name and per address: after {@link #FREE} failures in a row each further
 * attempt waits twice as long as the one before (1 s, 2 s, 4 s, ... at most {@link #LONGEST}), and is refused
 * before its password is checked. Forgotten a quarter of an hour after the last failure, and on success.
 */
final class SignInThrottle {
    static final int FREE = 3;
    static final Duration LONGEST = Duration.ofMinutes(5);
    private static final Duration FORGET = Duration.ofMinutes(15);
    private static final int MAX_TRACKED = 100_000;

    private record Failures(int count, Instant last) {
    }

    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    /** How long this user or address must still wait before trying again; zero when it may try now. */
    Duration wait(String user, String address, Instant now) {
        Duration a = wait("user:" + user, now);
        Duration b = wait("addr:" + address, now);
        return a.compareTo(b) >= 0 ? a : b;
    }

    private Duration wait(String key, Instant now) {
        Failures f = failures.get(key);
        if (f == null || f.count() < FREE) {
            return Duration.ZERO;
        }
        Duration step = Duration.ofSeconds(1L << Math.min(20, f.count() - FREE));
        Duration left = Duration.between(now, f.last().plus(step.compareTo(LONGEST) > 0 ? LONGEST : step));
        return left.isNegative() ? Duration.ZERO : left;
    }

    void failed(String user, String address, Instant now) {
        if (failures.size() > MAX_TRACKED) {
            failures.values().removeIf(f -> f.last().plus(FORGET).isBefore(now));
        }
        for (String key : new String[]{"user:" + user, "addr:" + address}) {
            failures.compute(key, (k, f) -> f == null || f.last().plus(FORGET).isBefore(now) ? new Failures(1, now) : new Failures(f.count() + 1, now));
        }
    }

    void succeeded(String user, String address) {
        failures.remove("user:" + user);
        failures.remove("addr:" + address);
    }
}
