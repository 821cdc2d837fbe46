package dev.callvault.config;

import java.util.List;
import java.util.Set;

/**
 * One voice assistant's recording settings (the seed's {@code recording_settings}): whether callvault records its
 * calls in real time, in which format, which tracks, and the numbers that reach it. {@code id} "" is the defaults.
 */
public record Assistant(String id, boolean enabled, String format, boolean recordUser, boolean recordAssistant,
                        boolean recordMixed, Set<String> numbers) {
    public Assistant {
        if (!format.equals("mp3") && !format.equals("wav")) {
            throw new ConfigException("assistant " + id + ": recording.format must be mp3 or wav, not '" + format + "'");
        }
        numbers = Set.copyOf(numbers);
    }

    /** The tracks to record, as recording types: user (caller), assistant, mixed. */
    public List<String> tracks() {
        List<String> t = new java.util.ArrayList<>();
        if (recordUser) {
            t.add("user");
        }
        if (recordAssistant) {
            t.add("assistant");
        }
        if (recordMixed) {
            t.add("mixed");
        }
        return t;
    }

    /** True when the real-time recorder should run for this assistant's calls. */
    public boolean records() {
        return enabled && !tracks().isEmpty();
    }
}
