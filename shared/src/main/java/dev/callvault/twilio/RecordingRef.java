package dev.callvault.twilio;

import dev.callvault.accounts.Sids;

/** Names one Twilio recording: the account that owns it, its SID, and the call it belongs to (when known). */
public record RecordingRef(String accountSid, String recordingSid, String callSid) {
    public RecordingRef {
        Sids.account(accountSid);
        Sids.recording(recordingSid);
        if (callSid != null) {
            Sids.call(callSid);
        }
    }

    @Override
    public String toString() {
        return recordingSid + " (account " + accountSid + (callSid == null ? "" : ", call " + callSid) + ")";
    }
}
