package dev.callvault.testing;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Fresh, well-formed Twilio SIDs for tests. */
public final class Sids {
    private Sids() {
    }

    public static String random(String prefix) {
        byte[] b = new byte[16];
        ThreadLocalRandom.current().nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    public static String call() {
        return random("CA");
    }

    public static String recording() {
        return random("RE");
    }
}
