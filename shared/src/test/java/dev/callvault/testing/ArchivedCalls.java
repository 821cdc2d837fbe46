package dev.callvault.testing;

import dev.callvault.archive.Archiver;
import dev.callvault.db.CallRepository;
import dev.callvault.derived.DerivedWork;
import dev.callvault.storage.RecordingStore;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;

import java.time.Clock;
import java.time.Instant;

/** Calls with their numbers and Twilio's recording archived (object, waveform, upgraded row), as the daemon leaves them. */
public final class ArchivedCalls {
    private final Environment env;
    private final Archiver archiver;

    public ArchivedCalls(Environment env, RecordingStore store, Clock clock) {
        this.env = env;
        this.archiver = new Archiver(new TwilioRecordings(env.config().twilio()), store, env.db(), MediaFormat.MP3, clock, DerivedWork.inline());
    }

    /** A call that started at {@code started}, from {@code from} to {@code to}, for {@code assistant}; returns its RecordingSid. */
    public Call add(String from, String to, String assistant, Instant started) {
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        new CallRepository(env.db().jdbi()).recordStart(new CallRepository.Start(callSid, TwilioStandIn.ACCOUNT_SID, from, to, assistant, started));
        env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, started.plusSeconds(187), 24 * 1024));
        archiver.archive(Archiver.Request.of(new RecordingRef(TwilioStandIn.ACCOUNT_SID, recordingSid, callSid)));
        return new Call(callSid, recordingSid);
    }

    public record Call(String callSid, String recordingSid) {
    }
}
