package dev.callvault.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reloads SIGHUP asks for, from before the daemon has started until it stops: one state, changed under one lock,
 * so that no request falls between "not started yet" and "started". Every request is numbered when it arrives and its
 * outcome logged with its number: carried out, refused with the reason, or (asked for while starting) carried out once
 * started together with the others that came meanwhile, which the log line names.
 *
 * @param <T> what a reload acts on (the running daemon)
 */
final class Reloads<T> {
    private static final Logger log = LoggerFactory.getLogger(Reloads.class);

    /** Carries out one reload of {@code target}; returns a summary for the log, throws to refuse it. */
    interface Action<T> {
        String reload(T target) throws Exception;
    }

    private enum State { STARTING, RUNNING, STOPPED }

    private final Action<T> action;
    private State state = State.STARTING;
    private T target;
    private long asked;
    /** Requests that came while starting, {@code firstWaiting} the number of the first of them. */
    private long waiting;
    private long firstWaiting;
    private long answered;

    Reloads(Action<T> action) {
        this.action = action;
    }

    /** A reload asked for (one SIGHUP): carried out now when running, once started when starting, refused when stopping. */
    void request() {
        long number;
        T now;
        synchronized (this) {
            number = ++asked;
            switch (state) {
                case STARTING -> {
                    if (waiting++ == 0) {
                        firstWaiting = number;
                    }
                    log.info("reload {} asked for while starting: it is carried out once started", number);
                    return;
                }
                case STOPPED -> {
                    answered++;
                    log.warn("reload {} refused: the daemon is stopping", number);
                    return;
                }
                default -> now = target;
            }
        }
        carryOut(now, "reload " + number, 1);
    }

    /** The daemon has started: from now on requests are carried out at once, and those that came meanwhile now, as one. */
    void started(T running) {
        long count;
        long first;
        synchronized (this) {
            target = running;
            state = State.RUNNING;
            count = waiting;
            first = firstWaiting;
            waiting = 0;
        }
        if (count == 1) {
            carryOut(running, "reload " + first + ", asked for while starting", 1);
        } else if (count > 1) {
            carryOut(running, "reloads " + first + " to " + (first + count - 1) + ", asked for while starting, carried out as one", count);
        }
    }

    /** The daemon stops (or never started): requests waiting and to come are refused. */
    void stopped() {
        long count;
        synchronized (this) {
            state = State.STOPPED;
            count = waiting;
            waiting = 0;
            answered += count;
        }
        if (count > 0) {
            log.warn("{} reload(s) asked for while starting refused: the daemon did not start", count);
        }
    }

    /** Requests answered so far (carried out or refused), out of {@link #asked()}. */
    synchronized long answered() {
        return answered;
    }

    synchronized long asked() {
        return asked;
    }

    private void carryOut(T on, String which, long count) {
        try {
            log.info("configuration reloaded ({}): {}", which, action.reload(on));
        } catch (Exception e) {
            log.error("reload refused ({}), the running configuration is kept: {}", which, e.getMessage());
        }
        synchronized (this) {
            answered += count;
        }
    }
}
