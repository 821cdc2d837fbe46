package dev.callvault.accounts;

import java.util.Objects;

/** A secret value (auth token, password) that never shows itself in toString, logs or errors. */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The real value, for the one place that must send it (an Authorization header, a JDBC login). */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "******";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
