package dev.callvault.testing;

import dev.callvault.analysis.Conversation;
import dev.callvault.analysis.Segment;
import dev.callvault.audio.MuLaw;

import java.util.List;

/** A call of two mu-law tracks and the speech its generator placed on each: what both fixture sets share. */
public interface TwoTracks {
    byte[] callerUlaw();

    byte[] assistantUlaw();

    double seconds();

    List<Segment> callerTruth();

    List<Segment> assistantTruth();

    /** The conversation as the generator placed it. */
    default Conversation truth() {
        return Conversation.of(seconds(), callerTruth(), assistantTruth());
    }

    default short[] caller() {
        return MuLaw.decode(callerUlaw());
    }

    default short[] assistant() {
        return MuLaw.decode(assistantUlaw());
    }
}
