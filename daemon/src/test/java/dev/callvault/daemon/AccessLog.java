package dev.callvault.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The daemon's access log ({@code callvault.access}) as a test reads it: every line, while attached. */
final class AccessLog extends AppenderBase<ILoggingEvent> {
    private static final Pattern RANGED = Pattern.compile("GET /calls/[^/]+/recording/([^/ ]+)/play 206 \\d+ms range bytes=(\\d+)-");
    private final List<String> lines = new ArrayList<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("callvault.access");
    private Level before;

    static AccessLog attach() {
        AccessLog a = new AccessLog();
        a.before = a.logger.getLevel();
        a.logger.setLevel(Level.INFO);
        a.start();
        a.logger.addAppender(a);
        return a;
    }

    void detach() {
        logger.detachAppender(this);
        logger.setLevel(before);
        stop();
    }

    @Override
    protected synchronized void append(ILoggingEvent e) {
        lines.add(e.getFormattedMessage());
    }

    /** The first byte of each ranged (206) answer for this recording's play endpoint. */
    synchronized List<Long> ranges(String recordingId) {
        List<Long> starts = new ArrayList<>();
        for (String line : lines) {
            Matcher m = RANGED.matcher(line);
            if (m.find() && m.group(1).equals(recordingId)) {
                starts.add(Long.parseLong(m.group(2)));
            }
        }
        return starts;
    }
}
