package dev.callvault.cli;

import dev.callvault.accounts.Sids;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Converters for the CLI's typed options: a bad value is a usage error (exit 64) saying what was expected. */
final class Args {
    private static final Pattern AGO = Pattern.compile("(\\d+)([smhdw])");

    private Args() {
    }

    /** An instant ({@code 2026-11-24T10:00:00Z}), a UTC date ({@code 2026-11-24}), a time ago ({@code 36h}, {@code 7d}) or {@code now}. */
    static final class Time implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            return parse(value, Instant.now());
        }

        static Instant parse(String value, Instant now) {
            String v = value.trim();
            if (v.equals("now")) {
                return now;
            }
            Matcher m = AGO.matcher(v);
            if (m.matches()) {
                return now.minus(span(Long.parseLong(m.group(1)), m.group(2)));
            }
            try {
                return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("bad date '" + value + "': use an instant (2026-11-24T10:00:00Z), a UTC date "
                        + "(2026-11-24) or a time ago (90m, 36h, 7d)");
            }
        }
    }

    /** A span: {@code 90s}, {@code 15m}, {@code 1h}, {@code 7d}. */
    static final class Span implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Matcher m = AGO.matcher(value.trim());
            if (!m.matches()) {
                throw new TypeConversionException("bad duration '" + value + "': use e.g. 90s, 15m, 1h, 7d");
            }
            return span(Long.parseLong(m.group(1)), m.group(2));
        }
    }

    private static Duration span(long n, String unit) {
        return switch (unit) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    static final class RecordingSid implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return sid("RE", value, "RecordingSid");
        }
    }

    static final class CallSid implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return sid("CA", value, "CallSid");
        }
    }

    static final class AccountSid implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return sid("AC", value, "AccountSid");
        }
    }

    private static String sid(String prefix, String value, String what) {
        if (!Sids.isValid(prefix, value)) {
            throw new TypeConversionException("bad " + what + " '" + value + "': expected " + prefix + " followed by 32 lowercase hex digits");
        }
        return value;
    }
}
