package dev.callvault.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The CLI's logging, set up in code rather than from logback.xml: the CLI prints its own results on stdout, logs go
 * to stderr and only when they matter (warnings of ours, errors of anyone's). In code because parsing the XML
 * cost a short command such as {@code twiml render} about a tenth of a second at every start.
 */
// logback asks every configurator registered as a service before it looks for any logback.xml, so wherever this jar is
// on the class path its set-up wins: the packaged daemon's class path leaves this jar out (see packaging/pom.xml)
@ConfiguratorRank(ConfiguratorRank.NOMINAL - 1)
public final class CliLogging extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
        err.setContext(context);
        err.setName("ERR");
        err.setTarget("System.err");
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%-5level %msg%n");
        encoder.start();
        err.setEncoder(encoder);
        err.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.ERROR);
        root.addAppender(err);
        context.getLogger("dev.callvault").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
