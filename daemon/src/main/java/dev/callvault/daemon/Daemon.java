package dev.callvault.daemon;

import dev.callvault.archive.Archiver;
import dev.callvault.calls.CallSearch;
import dev.callvault.daemon.api.CallsApi;
import dev.callvault.daemon.api.PrivacyApi;
import dev.callvault.config.Config;
import dev.callvault.config.ConfigException;
import dev.callvault.config.StorageTarget;
import dev.callvault.daemon.metrics.Metrics;
import dev.callvault.daemon.worker.ArchiveWorkers;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallbackRepository;
import dev.callvault.db.Database;
import dev.callvault.db.AuditRepository;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.SessionRepository;
import dev.callvault.daemon.console.Console;
import dev.callvault.daemon.console.ConsoleAuth;
import dev.callvault.derived.Waveforms;
import dev.callvault.derived.DerivedWork;
import dev.callvault.journal.Journal;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.TwilioRecordings;
import io.undertow.Undertow;
import io.undertow.server.handlers.GracefulShutdownHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.callvault.daemon.media.MediaStreams;
import dev.callvault.recorder.Recorder;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** callvaultd's object graph, wired by hand: database, store, Twilio, archiver, workers, HTTP server. */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Config config;
    private final LiveConfig live;
    private final TwilioRecordings twilio;
    private final Database db;
    /** The webhooks' own connections (call starts and recording status callbacks). */
    private final Database answering;
    private final GroupCommit acks;
    private final RecordingStore store;
    private final Journal journal;
    private final Undertow server;
    private final Undertow management;
    private final GracefulShutdownHandler graceful;
    private final ArchiveWorkers workers;
    private final Recorder recorder;
    private final ExecutorService finalizers;
    private final ScheduledExecutorService ticker;
    private final ScheduledExecutorService probe;
    private final DerivedWork derived;
    private final dev.callvault.pause.Pauses pauses;
    private volatile boolean stopped;

    /** What holds the daemon's data: the pool, the webhooks' own pool and their group commit, the store, the journal. */
    private record Data(Database db, Database answering, GroupCommit acks, RecordingStore store, Journal journal) {
    }

    /** The listeners: Twilio's and the console's, the management one, and the handler that drains requests at stop. */
    private record Listeners(Undertow server, Undertow management, GracefulShutdownHandler graceful) {
    }

    /** The work behind the requests: archive workers, the real-time recorder and its threads, derived work. */
    private record Background(ArchiveWorkers workers, Recorder recorder, ExecutorService finalizers, ScheduledExecutorService ticker,
                              ScheduledExecutorService probe, DerivedWork derived, dev.callvault.pause.Pauses pauses) {
    }

    /** Connections kept for Twilio's webhooks, beside database.pool-size. */
    static final int WEBHOOK_CONNECTIONS = 4;

    /** The daemon, whole: every part given here, nothing set afterwards. */
    private Daemon(Config config, LiveConfig live, TwilioRecordings twilio, Data data, Listeners listeners, Background background) {
        this.config = config;
        this.live = live;
        this.twilio = twilio;
        this.db = data.db();
        this.answering = data.answering();
        this.acks = data.acks();
        this.store = data.store();
        this.journal = data.journal();
        this.server = listeners.server();
        this.management = listeners.management();
        this.graceful = listeners.graceful();
        this.workers = background.workers();
        this.recorder = background.recorder();
        this.finalizers = background.finalizers();
        this.ticker = background.ticker();
        this.probe = background.probe();
        this.derived = background.derived();
        this.pauses = background.pauses();
    }

    /** Starts everything; the daemon is serving when this returns. */
    public static Daemon start(Config config) {
        checkPool(config);
        logDefaults(config);
        Clock clock = Clock.systemUTC();
        Database db = Database.open(config);
        Database answering = null;
        GroupCommit acks = null;
        try {
            db.migrate();
            RecordingStore store = RecordingStores.open(config.storage());
            TwilioRecordings twilio = new TwilioRecordings(config.twilio());
            CallbackRepository callbacks = new CallbackRepository(db.jdbi());
            Metrics metrics = new Metrics(callbacks, twilio);
            // waveforms and analytics are made off the archive's and the finalize's path, best effort
            DerivedWork derived = DerivedWork.background(1000);
            metrics.derivedDropped(derived);
            // the private keys of Twilio's encrypted recordings: the archive authenticates them as it stores them, playback opens them
            dev.callvault.crypto.PrivateKeys keys = new dev.callvault.crypto.PrivateKeys(config.twilio().encryptionKeys());
            Archiver archiver = new Archiver(twilio, store, db, MediaFormat.MP3, clock, derived, keys);
            ArchiveWorkers workers = new ArchiveWorkers(db, archiver, metrics, config.worker());
            CallRepository calls = new CallRepository(db.jdbi());
            Journal journal = new Journal(config.stateDir().resolve("journal"));
            // Twilio's webhooks are answered from connections of their own: from the shared pool they waited behind
            // the archive workers (two connections each while archiving), 115 ms at worst in bench/all.sh webhook
            answering = db.sidePool("callvault-webhooks", WEBHOOK_CONNECTIONS);
            DatabaseOutage outage = new DatabaseOutage(answering, journal, new CallRepository(answering.jdbi()), new CallbackRepository(answering.jdbi()));
            outage.check(); // what a previous run journaled goes into the queue before anything new
            metrics.journaled(outage::journaled);
            acks = new GroupCommit(answering, outage, config.http().acks().queueLimit(), metrics::acknowledgementsFlushed);
            metrics.acknowledgementsWaiting(acks::waiting);
            LiveConfig live = new LiveConfig(config);
            metrics.privacy(db, () -> live.get().privacy().anyPolicy());
            Webhooks webhooks = new Webhooks(live, acks, outage, metrics, clock);
            String recorderId = daemonId();
            Recorder recorder = new Recorder(db, store, config.stateDir().resolve("realtime"), recorderId, clock, derived);
            dev.callvault.derived.CallAnalyzer analyzer = new dev.callvault.derived.CallAnalyzer(db.jdbi(), store);
            analyzer.onAnalyzed(metrics::analyzed);
            recorder.onCompleted(analyzer::afterCompleted); // a finished real-time recording is analysed, as an archived one is
            recorder.onFailed(metrics::realtimeFailed);
            archiver.analyzer().onAnalyzed(metrics::analyzed);
            int recovered = recorder.recover();
            if (recovered > 0) {
                log.warn("finished {} real-time recordings interrupted by the previous run", recovered);
            }
            metrics.activeStreams(() -> recorder.active().size());
            // 32 finalizers: a finalize mostly waits (uploads, fsyncs, a commit) since waveforms are drawn live, and
            // calls end in bursts; bench/all.sh media, calls ending together: 1000 WAV p99 16.6 s with two finalizers,
            // 2.3-16 s with eight, 1.7-10 s with 32; 200 MP3 2.8 s with eight, 1.9 s with 32
            ExecutorService finalizers = Executors.newFixedThreadPool(32, r -> new Thread(r, "media-finalizer"));
            ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "media-sync"));
            ticker.scheduleWithFixedDelay(recorder::syncAll, 1, 1, TimeUnit.SECONDS);
            Duration stale = config.assistants().staleAfter();
            ticker.scheduleWithFixedDelay(() -> recorder.markAbandoned(stale), 0, 1, TimeUnit.MINUTES);
            // a finalize that failed (store or database down) is tried again off the sync thread, which must keep beating
            ticker.scheduleWithFixedDelay(() -> finalizers.submit(recorder::retryUnfinished), 5, 5, TimeUnit.SECONDS);
            ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "database-probe"));
            probe.scheduleWithFixedDelay(outage::check, 1, 1, TimeUnit.SECONDS);
            MediaStreams media = new MediaStreams(live, recorder, calls, metrics, finalizers);
            Health health = new Health(db, store, metrics, outage);
            SessionRepository sessions = new SessionRepository(db.jdbi());
            ConsoleAuth auth = new ConsoleAuth(config.http(), sessions, clock);
            ticker.scheduleWithFixedDelay(() -> purgeSessions(sessions, config, clock), 1, 60, TimeUnit.MINUTES);
            PrivacyApi privacy = new PrivacyApi(auth, live, db, store, twilio, clock);
            int hashed = new dev.callvault.privacy.Privacy(config, db, store, twilio, clock).holds().hashStoredNumbers();
            if (hashed > 0) {
                log.info("{} legal holds on a number now keep its keyed hash instead of the number", hashed);
            }
            dev.callvault.pause.Pauses pauses = new dev.callvault.pause.Pauses(db, recorder, twilio, () -> pauseSettings(live.get()), clock);
            // a call that ends while paused ends its pause: at its stream's end here, or when Twilio says it is over
            recorder.onEnded(pauses::streamEnded);
            ticker.scheduleWithFixedDelay(() -> finalizers.submit(() -> endPausesOfEndedCalls(pauses)), 30, 30, TimeUnit.SECONDS);
            GracefulShutdownHandler graceful = new GracefulShutdownHandler(Routes.table(webhooks, privacy,
                    new dev.callvault.daemon.api.PauseApi(auth, pauses, metrics),
                    new RecordingAccess(config.http(), calls, new RecordingRepository(db.jdbi()), store, clock, recorder, new AuditRepository(db.jdbi()), auth,
                            keys),
                    new CallsApi(auth, new CallSearch(db.jdbi()), calls, new RecordingRepository(db.jdbi()), new AuditRepository(db.jdbi()),
                            new dev.callvault.db.AnalyticsRepository(db.jdbi()), new Waveforms(store), () -> live.get().phoneRegion(), privacy),
                    new Console(auth, clock), health, metrics, media.handler()));
            Undertow server = Undertow.builder()
                    .addHttpListener(config.http().port(), config.http().host())
                    .setHandler(graceful)
                    .build();
            Undertow management = Undertow.builder()
                    .setIoThreads(1).setWorkerThreads(2)
                    .addHttpListener(config.http().managementPort(), config.http().managementHost())
                    .setHandler(Routes.management(health, metrics))
                    .build();
            management.start();
            try {
                server.start();
            } catch (RuntimeException e) {
                management.stop();
                throw e;
            }
            workers.start();
            Daemon d = new Daemon(config, live, twilio, new Data(db, answering, acks, store, journal), new Listeners(server, management, graceful),
                    new Background(workers, recorder, finalizers, ticker, probe, derived, pauses));
            log.info("management (/readyz, /metrics) on http://{}:{}", config.http().managementHost(), d.managementPort());
            log.info("callvaultd listening on http://{}:{} (public URL {})", config.http().host(), d.port(),
                    config.http().publicUrl() == null ? "not set: Twilio webhooks are refused until public-url is set" : config.http().publicUrl());
            return d;
        } catch (RuntimeException e) {
            if (acks != null) {
                acks.close();
            }
            if (answering != null) {
                answering.close();
            }
            db.close();
            throw e;
        }
    }

    private static dev.callvault.pause.Pauses.Settings pauseSettings(Config config) {
        return new dev.callvault.pause.Pauses.Settings(config.privacy().pauseBehavior(), config.privacy().pauseDeadline(), config.twilio().backoff());
    }

    private static void endPausesOfEndedCalls(dev.callvault.pause.Pauses pauses) {
        try {
            pauses.endWithEndedCalls();
        } catch (RuntimeException e) {
            log.debug("pauses of ended calls not ended now: {}", e.toString());
        }
    }

    private static void purgeSessions(SessionRepository sessions, Config config, Clock clock) {
        try {
            sessions.purge(clock.instant(), config.http().signIn().idle(), config.http().signIn().max());
        } catch (RuntimeException e) {
            log.debug("expired console sessions not purged now: {}", e.toString());
        }
    }

    private static void checkPool(Config config) {
        int needed = 2 * config.worker().concurrency() + 2;
        if (config.database().poolSize() < needed) {
            throw new ConfigException("database.pool-size " + config.database().poolSize() + " is too small for worker.concurrency "
                    + config.worker().concurrency() + ": each worker holds two connections while it archives; set database.pool-size to at least " + needed);
        }
    }

    private static void logDefaults(Config config) {
        if (config.database().embedded()) {
            log.warn("no database configured: running an embedded PostgreSQL in {}; set database.url (CALLVAULT_DATABASE_URL) "
                    + "to use a PostgreSQL server", config.stateDir().resolve("postgres"));
        }
        Database.unusedEmbeddedData(config).ifPresent(d -> log.warn("{}: see docs/operations.md, Upgrade", d));
        if (config.storage() instanceof StorageTarget.Directory dir) {
            log.warn("no bucket configured: keeping recordings in {}; set storage=s3://bucket/prefix (CALLVAULT_STORAGE) for S3", dir.path());
        }
        if (config.twilio().accounts().isEmpty()) {
            log.warn("no Twilio account configured: callbacks are refused; set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN");
        }
    }

    private static String daemonId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown";
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    /**
     * Takes a new configuration's assistants' recording settings and Twilio accounts and credentials, without
     * touching live media streams or queued work (SIGHUP, {@code systemctl reload}). Returns the settings that changed
     * but need a restart, which keep their running value.
     */
    public synchronized java.util.List<String> reload(Config next) {
        java.util.List<String> kept = live.reload(next);
        twilio.update(next.twilio());
        kept.forEach(k -> log.warn("reload: {}", k));
        return kept;
    }

    public Recorder recorder() {
        return recorder;
    }

    public int port() {
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    /** The port of the management listener (/healthz, /readyz, /metrics). */
    public int managementPort() {
        return ((InetSocketAddress) management.getListenerInfo().get(0).getAddress()).getPort();
    }

    public Database database() {
        return db;
    }

    /** Where Twilio's webhooks wait to be made durable together (tests hold its flushes). */
    GroupCommit acknowledgements() {
        return acks;
    }

    /** Graceful stop: refuse new requests, let running ones and running archives finish within the grace period. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        log.info("stopping: no new requests; waiting up to {} s for running work", config.worker().shutdownGrace().toSeconds());
        graceful.shutdown();
        ticker.shutdownNow();
        probe.shutdownNow();
        for (var r : recorder.active()) {
            try {
                recorder.stop(r, 0, true);
            } catch (Exception e) {
                log.error("could not finish the recording of stream {}; it is finished at the next start", r.info().streamSid(), e.toString());
            }
        }
        finalizers.shutdown();
        try {
            finalizers.awaitTermination(config.worker().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
            graceful.awaitShutdown(config.worker().shutdownGrace().toMillis());
            boolean clean = workers.stop(config.worker().shutdownGrace());
            if (!clean) {
                log.warn("some archives did not finish in time; their callbacks go back to the queue");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        acks.close(); // what the last requests stored is durable before the journal and the pool close
        server.stop();
        management.stop();
        try {
            journal.close();
        } catch (java.io.IOException e) {
            log.warn("closing the journal: {}", e.getMessage());
        }
        pauses.close();
        derived.close();
        store.close();
        answering.close();
        db.close();
        log.info("stopped");
    }
}
