package dev.callvault.pause;

import dev.callvault.db.PauseRepository;
import dev.callvault.db.CallRow;
import dev.callvault.twilio.RetryPolicy;
import dev.callvault.twilio.TwilioRecordings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Brings Twilio's recording of a call to what its pause asks, paused and then recording again: one request at a time per
 * call, each waiting at most the deadline, asked again with backoff until Twilio confirms or the call ends, every request
 * kept. Whoever asked is told the first answer (Twilio's confirmation, or the deadline passing without it); the
 * requests go on in the background.
 */
final class TwilioPauses implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TwilioPauses.class);
    /** Twilio ends a call after a day at most: nothing is asked of it longer than that. */
    private static final Duration LONGEST_CALL = Duration.ofHours(24);

    enum Action {
        PAUSE("pause", "paused"), RESUME("resume", "in-progress");

        final String word;
        final String twilioStatus;

        Action(String word, String twilioStatus) {
            this.word = word;
            this.twilioStatus = twilioStatus;
        }
    }

    /** What the one who asked is told: Twilio confirmed ({@code words}: its state), or had not by the deadline ({@code words}: its last answer). */
    record Answer(boolean confirmed, String words) {
    }

    private final TwilioRecordings twilio;
    private final PauseRepository rows;
    private final Supplier<Pauses.Settings> settings;
    private final Clock clock;
    private final ExecutorService senders = Executors.newCachedThreadPool(daemonThreads("twilio-pause"));
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemonThreads("twilio-pause-timer"));
    /** Each call's newest request, by CallSid: a second caller waits for its answer; a newer request takes its turn after it. */
    private final Map<String, Request> newest = new ConcurrentHashMap<>();

    TwilioPauses(TwilioRecordings twilio, PauseRepository rows, Supplier<Pauses.Settings> settings, Clock clock) {
        this.twilio = twilio;
        this.rows = rows;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * The request that brings Twilio's recording of {@code call} to what {@code action} asks for pause {@code pauseId},
     * not sent until {@link Request#start}. {@code twimlRecording}: our TwiML started Twilio's recording of the call, so a
     * 404 does not mean it has none.
     */
    Request prepare(CallRow call, long pauseId, Action action, boolean twimlRecording) {
        Request r = new Request(call, pauseId, action, twimlRecording, newest.get(call.callSid()));
        newest.put(call.callSid(), r);
        return r;
    }

    /** A prepared request that will never start (its pause was not stored): forgotten. */
    void forget(Request r) {
        newest.remove(r.call.callSid(), r);
    }

    /** The request of this daemon that asks {@code action} of Twilio for pause {@code pauseId}, while it is the call's newest. */
    Optional<Request> current(String callSid, long pauseId, Action action) {
        return Optional.ofNullable(newest.get(callSid)).filter(r -> r.pauseId == pauseId && r.action == action);
    }

    /** The call's newest request, of any pause. */
    Optional<Request> newest(String callSid) {
        return Optional.ofNullable(newest.get(callSid));
    }

    /** The call has ended: Twilio is asked nothing more of it. */
    void callEnded(String callSid) {
        Request r = newest.remove(callSid);
        if (r != null) {
            r.stopAsking("the call ended");
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
        senders.shutdownNow();
    }

    /** One pause or resume at Twilio: its requests, one at a time, and its first answer. */
    final class Request {
        final CallRow call;
        final long pauseId;
        final Action action;
        private final boolean twimlRecording;
        private final Request previous;
        private final CompletableFuture<Answer> first = new CompletableFuture<>();
        private final CompletableFuture<Void> finished = new CompletableFuture<>();
        private volatile Duration deadline;
        private volatile Instant started;
        // guarded by this
        private String stop;
        private boolean sending;
        private String last;
        private int tries;

        private Request(CallRow call, long pauseId, Action action, boolean twimlRecording, Request previous) {
            this.call = call;
            this.pauseId = pauseId;
            this.action = action;
            this.twimlRecording = twimlRecording;
            this.previous = previous;
            this.last = "nothing sent yet";
        }

        /**
         * Starts the deadline, and sends the first request as soon as the call's previous one is done with: it is asked
         * to stop, and stops at once unless a request of it is on its way (that one is waited for, so that Twilio gets
         * the two in the order they were asked).
         */
        void start() {
            deadline = settings.get().deadline();
            started = clock.instant();
            synchronized (this) {
                if (!finished.isDone()) {
                    last = "no answer within " + words(deadline);
                }
            }
            later(this::deadlinePassed, deadline);
            CompletableFuture<Void> after = previous == null ? CompletableFuture.completedFuture(null)
                    : previous.stopAsking(action == Action.RESUME ? "resumed before Twilio confirmed the pause" : "paused again");
            after.whenComplete((done, failure) -> send(1));
        }

        /** The first answer: Twilio's confirmation, or its last answer when the deadline passed without one. */
        Answer firstAnswer() {
            Duration wait = (deadline == null ? settings.get().deadline() : deadline).multipliedBy(2).plusSeconds(5);
            try {
                return first.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                return new Answer(false, "no answer");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Answer(false, "interrupted");
            }
        }

        /** Twilio is asked no more for this request, once a request on its way (if any) is answered; done when it is. */
        private CompletableFuture<Void> stopAsking(String why) {
            boolean now;
            synchronized (this) {
                if (stop == null) {
                    stop = why;
                }
                now = !sending;
            }
            if (now) {
                giveUp();
            }
            return finished;
        }

        private void send(int attempt) {
            try {
                senders.execute(() -> attempt(attempt));
            } catch (RejectedExecutionException stopping) {
                finished.complete(null); // the daemon is stopping: the pause's row keeps what is known
            }
        }

        private void later(Runnable work, Duration delay) {
            try {
                timers.schedule(work, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                finished.complete(null); // the daemon is stopping: the pause's row keeps what is known
            }
        }

        private void attempt(int attempt) {
            if (finished.isDone()) {
                return;
            }
            try {
                Optional<String> why = rows.noLongerWanted(pauseId, action == Action.PAUSE);
                if (why.isEmpty() && Duration.between(started, clock.instant()).compareTo(LONGEST_CALL) > 0) {
                    why = Optional.of("no call lasts longer than " + LONGEST_CALL.toHours() + " hours at Twilio");
                }
                synchronized (this) {
                    if (why.isPresent() && stop == null) {
                        stop = why.get();
                    }
                    sending = stop == null && !finished.isDone();
                }
                if (!sending) {
                    giveUp();
                    return;
                }
                if (ask(attempt)) {
                    return;
                }
            } catch (RuntimeException e) {
                // the database did not answer: Twilio is asked again all the same, later
                log.warn("{} of call {}: try {} could not be kept ({}); asked again", action.word, call.callSid(), attempt, e.toString());
            }
            boolean stopped;
            synchronized (this) {
                sending = false;
                stopped = stop != null;
            }
            if (stopped) {
                giveUp();
            } else {
                later(() -> send(attempt + 1), backoff().delay(attempt, null));
            }
        }

        /** One request to Twilio, kept; true when Twilio confirmed (nothing more to ask). */
        private boolean ask(int attempt) {
            Instant sent = clock.instant();
            TwilioRecordings.RecordingUpdate u;
            try {
                u = twilio.updateCurrentRecording(call.accountSid(), call.callSid(), action.twilioStatus,
                        action == Action.PAUSE ? settings.get().behavior() : null, deadline);
            } catch (RuntimeException e) {
                u = new TwilioRecordings.RecordingUpdate(0, e.getMessage());
            }
            String words = u.noRecording() && twimlRecording
                    ? u.words() + " (Twilio finds no recording of the call now, though its TwiML started one: we do not know that it is "
                    + action.twilioStatus + ")"
                    : u.words();
            rows.tried(pauseId, action == Action.PAUSE, sent, clock.instant(), words);
            if (u.done() || u.noRecording() && !twimlRecording) {
                confirmed(u.done() ? (action == Action.PAUSE ? "paused" : "resumed") : "no recording");
                return true;
            }
            synchronized (this) {
                tries++;
                last = words;
            }
            rows.unconfirmed(pauseId, action == Action.PAUSE, PauseRepository.FAILED + words);
            log.debug("{} of call {}: Twilio answered try {}: {}", action.word, call.callSid(), attempt, words);
            return false;
        }

        private void confirmed(String state) {
            boolean inTime;
            synchronized (this) {
                tries++;
                sending = false;
                inTime = !first.isDone();
                rows.confirmed(pauseId, action == Action.PAUSE, state, clock.instant(), inTime);
                first.complete(new Answer(true, state));
                finished.complete(null);
            }
            if (!inTime) {
                log.info("{} of call {}: Twilio confirmed after {} requests ({})", action.word, call.callSid(), tries, state);
            }
        }

        private void deadlinePassed() {
            synchronized (this) {
                if (!first.complete(new Answer(false, last))) {
                    return;
                }
            }
            log.warn("{} of call {}: Twilio has not confirmed within {} ({}){}; asked again in the background until it confirms or the call ends",
                    action.word, call.callSid(), words(deadline), last, action == Action.PAUSE ? ": its recording may hold the span" : "");
        }

        private void giveUp() {
            String words;
            synchronized (this) {
                if (finished.isDone()) {
                    return;
                }
                words = PauseRepository.NOT_CONFIRMED + stop + (tries == 0 ? " (nothing was sent)" : " (last: " + last + ")");
                first.complete(new Answer(false, last));
                finished.complete(null);
            }
            try {
                rows.unconfirmed(pauseId, action == Action.PAUSE, words);
            } catch (RuntimeException e) {
                log.warn("{} of call {}: {}; could not be kept ({})", action.word, call.callSid(), words, e.toString());
            }
            log.warn("{} of call {}: Twilio asked no more, {}", action.word, call.callSid(), words);
        }
    }

    private RetryPolicy backoff() {
        return new RetryPolicy(Integer.MAX_VALUE, settings.get().backoff(), Duration.ofSeconds(10));
    }

    static String words(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static ThreadFactory daemonThreads(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
