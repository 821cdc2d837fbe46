package dev.callvault.cli;

/** The CLI's exit codes (DESIGN 6), sysexits names where they fit. */
public enum ExitCode {
    OK(0, "success"),
    FAILED(1, "the work ran but some items failed, or a check failed"),
    USAGE(64, "bad usage: unknown option, bad date, malformed SID"),
    DATA(65, "bad input data: unreadable file, invalid TwiML"),
    UNAVAILABLE(69, "a dependency is unavailable: Twilio, S3, the database"),
    SOFTWARE(70, "internal error"),
    TEMPFAIL(75, "temporary failure: try again later"),
    CONFIG(78, "bad configuration");

    public final int code;
    public final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }
}
