package dev.callvault.archive;

import dev.callvault.PermanentException;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.accounts.Sids;

import java.util.Map;
import java.util.Optional;

/**
 * Acts on one recording status callback as Twilio sent it: a {@code completed} one is archived, an {@code absent}
 * or {@code failed} one recorded without download, any other status only kept. Shared by the daemon's workers and
 * {@code callvault replay}.
 */
public final class CallbackProcessor {
    private final Archiver archiver;

    public CallbackProcessor(Archiver archiver) {
        this.archiver = archiver;
    }

    /** The archive result for a completed recording; empty when the status needs no download. */
    public Optional<ArchiveResult> process(Map<String, String> params) {
        String account = params.get("AccountSid");
        String recordingSid = params.get("RecordingSid");
        String callSid = params.get("CallSid");
        String status = params.getOrDefault("RecordingStatus", "");
        if (!Sids.isValid("AC", account) || !Sids.isValid("RE", recordingSid) || (callSid != null && !Sids.isValid("CA", callSid))) {
            throw new PermanentException("callback has no valid AccountSid, RecordingSid and CallSid: " + params.keySet());
        }
        RecordingRef ref = new RecordingRef(account, recordingSid, callSid);
        String errorCode = params.get("ErrorCode");
        String meaning = dev.callvault.twilio.TwilioErrors.meaning(errorCode);
        if (meaning != null) {
            org.slf4j.LoggerFactory.getLogger(CallbackProcessor.class).warn("recording {} of call {} ({}): {}", recordingSid, callSid, status, meaning);
        }
        switch (status) {
            case "completed":
                ArchiveResult archived = archiver.archive(Archiver.Request.of(ref));
                if (dev.callvault.twilio.TwilioErrors.isError(errorCode) && archived.recordingId() != null) {
                    // 16107: stored, but encrypted with an alternate public key; kept with the row, shown wherever it is
                    archiver.noteTwilioError(recordingSid, errorCode.strip());
                }
                return Optional.of(archived);
            case "absent":
            case "failed":
                archiver.recordStatusWithoutMedia(ref, status, params);
                return Optional.empty();
            default:
                return Optional.empty();
        }
    }
}
