package dev.callvault.cli;

import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.download.Downloader;
import dev.callvault.accounts.Sids;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code callvault download}: a recording's bytes, checked against the database's SHA-256; Twilio's encrypted recordings
 * decrypted and authenticated as {@code /play} serves them.
 */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "download", sortOptions = false,
        description = {"Download recordings: one (--call and --recording, or --recording-sid) or every recording of a call (--call alone). From S3, checked against the SHA-256 in the database; or from Twilio when the recording is not archived yet (--from twilio forces it).",
                "",
                "A file is written as NAME.part and renamed to NAME once checked: a download that fails leaves nothing behind, and one that was interrupted (killed) is resumed from its NAME.part.",
                "",
                "Twilio's encrypted recordings are written as the WAV Twilio recorded, as the daemon's /play serves them: decrypted with the private key (twilio.encryption.private-key.CR...) and authenticated (AES-GCM) before a byte is written. Without the key, with another pair's key, or when the stored bytes changed, the download is refused and nothing is written."},
        footer = {"", "Examples:",
                "  callvault download --recording-sid RE5f6e7d8c9b0a11223344556677889900 -o call.mp3",
                "  callvault download --call CA1f2e3d4c5b6a79880123456789abcdef -o recordings/",
                "  callvault download --recording-sid RE5f6e... -o - | ffplay -"})
public final class DownloadCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @Option(names = "--call", paramLabel = "ID|CA...", description = "The call: our id or its CallSid.")
    String call;

    @Option(names = "--recording", paramLabel = "ID", description = "The recording's id (with --call).")
    String recording;

    @Option(names = "--recording-sid", paramLabel = "RE...", converter = Args.RecordingSid.class, description = "The recording by Twilio's RecordingSid.")
    String recordingSid;

    @Option(names = "--from", paramLabel = "store|twilio", description = "Where to fetch from; default: the store when archived, else Twilio.")
    String from;

    @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "A file, a directory (ending in / or existing), or - for stdout. Default: the current directory.")
    String target;

    @Override
    public Integer call() throws Exception {
        if (from != null && !from.equals("store") && !from.equals("twilio")) {
            throw new UsageError("--from must be store or twilio, not '" + from + "'");
        }
        if (recordingSid == null && call == null) {
            throw new UsageError("say what to download: --recording-sid RE..., or --call with or without --recording");
        }
        if (recording != null && call == null) {
            throw new UsageError("--recording needs --call (or use --recording-sid)");
        }
        Output out = output.output();
        try (Services s = new Services(config.load())) {
            CallRepository calls = new CallRepository(s.db.jdbi());
            RecordingRepository recordings = new RecordingRepository(s.db.jdbi());
            List<RecordingRow> rows = resolve(s, calls, recordings);
            if (rows.size() > 1 && "-".equals(target)) {
                throw new UsageError("the call has " + rows.size() + " recordings: -o - takes one; name a directory instead");
            }
            Downloader downloader = new Downloader(s.store, s.twilio, new dev.callvault.encrypted.EncryptedRecordings(s.store,
                    new dev.callvault.crypto.PrivateKeys(s.config.twilio().encryptionKeys()), recordings, java.time.Clock.systemUTC()));
            int failed = 0;
            for (RecordingRow row : rows) {
                CallRow c = calls.findById(row.callId()).orElseThrow();
                try {
                    download(out, downloader, row, c, rows.size() > 1);
                } catch (dev.callvault.CallvaultException | java.io.UncheckedIOException e) {
                    failed++;
                    out.warn(out.bad("failed") + " recording " + row.id() + ": " + e.getMessage());
                    out.json(Map.of("recording_id", row.id().toString(), "error", e.getMessage()));
                }
            }
            return failed == 0 ? ExitCode.OK.code : ExitCode.FAILED.code;
        }
    }

    private List<RecordingRow> resolve(Services s, CallRepository calls, RecordingRepository recordings) {
        if (recordingSid != null) {
            Optional<RecordingRow> row = recordings.findByRecordingSid(recordingSid);
            if (row.isPresent()) {
                return List.of(row.get());
            }
            throw new NotFound("no recording " + recordingSid + " in the database; to fetch it from Twilio anyway, archive it first "
                    + "with 'callvault replay --from-twilio " + recordingSid + "'");
        }
        CallRow c = (Sids.isValid("CA", call) ? calls.findBySid(call) : uuid(call).flatMap(calls::findById))
                .orElseThrow(() -> new NotFound("no call " + call));
        List<RecordingRow> all = recordings.findByCall(c.id());
        if (recording == null) {
            if (all.isEmpty()) {
                throw new NotFound("call " + call + " has no recordings");
            }
            return all;
        }
        return List.of(all.stream().filter(r -> r.id().toString().equals(recording)).findFirst()
                .orElseThrow(() -> new NotFound("no recording " + recording + " in call " + call)));
    }

    private void download(Output out, Downloader downloader, RecordingRow row, CallRow c, boolean several) throws Exception {
        boolean twilio = "twilio".equals(from);
        String name = c.callSid() + "-" + row.recordingType() + "-" + (row.recordingSid() != null ? row.recordingSid() : row.id())
                + "." + (row.format() == null ? "bin" : row.format());
        Downloader.Result r;
        String where;
        if ("-".equals(target)) {
            r = downloader.toStream(row, c.accountSid(), System.out, twilio, n -> { });
            where = "stdout";
        } else {
            Path file = path(name, several);
            long size = row.fileSize() == null ? 0 : row.fileSize();
            try (Output.Progress bar = out.progress(name, size, "MiB", 1024 * 1024)) {
                r = downloader.toFile(row, c.accountSid(), file, twilio, bar::stepTo);
            }
            where = file.toString();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recording_id", row.id().toString());
        m.put("file", where);
        m.put("source", r.source().name().toLowerCase());
        m.put("bytes", r.bytes() + r.resumedFrom());
        m.put("resumed_from", r.resumedFrom());
        m.put("sha256", r.sha256());
        m.put("verified", r.verified());
        m.put("decrypted", r.decrypted());
        out.json(m);
        if (!"-".equals(target)) {
            String check = r.decrypted() ? ", decrypted and authenticated (its AES-GCM tag: exactly what Twilio encrypted)"
                    : r.verified() ? ", SHA-256 verified" : ", not verified (no hash on record)";
            out.text(where + ": " + (r.alreadyComplete() ? "already complete" : (r.bytes() + r.resumedFrom()) + " bytes from " + r.source().name().toLowerCase()
                    + (r.resumedFrom() > 0 ? ", resumed at byte " + r.resumedFrom() : "")) + check);
        }
    }

    private Path path(String name, boolean several) throws java.io.IOException {
        if (target == null) {
            return Path.of(name);
        }
        Path t = Path.of(target);
        if (target.endsWith("/") || Files.isDirectory(t) || several) {
            Files.createDirectories(t);
            return t.resolve(name);
        }
        return t;
    }

    private static Optional<UUID> uuid(String s) {
        try {
            return Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The named call or recording does not exist: exit 1 with one line. */
    static final class NotFound extends dev.callvault.PermanentException {
        NotFound(String message) {
            super(message);
        }
    }
}
