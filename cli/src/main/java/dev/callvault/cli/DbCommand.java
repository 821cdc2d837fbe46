package dev.callvault.cli;

import dev.callvault.db.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code callvault db}: the schema's migrations. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "db", description = "Apply or inspect database migrations.", subcommands = {DbCommand.Migrate.class, DbCommand.Status.class})
public final class DbCommand {

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "migrate", description = "Apply pending migrations (callvaultd also does this at start).")
    static final class Migrate implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Override
        public Integer call() {
            try (Database db = Database.open(config.load())) {
                db.migrate();
                Database.MigrationStatus s = db.migrationStatus();
                System.out.println("schema at version " + s.currentVersion());
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "status", description = "Print the schema version and the number of pending migrations; exit 1 when some are pending.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Override
        public Integer call() {
            try (Database db = Database.open(config.load())) {
                Database.MigrationStatus s = db.migrationStatus();
                System.out.println("schema version " + (s.currentVersion() == null ? "none" : s.currentVersion()) + ", " + s.pending() + " pending");
                return s.pending() == 0 ? 0 : ExitCode.FAILED.code;
            }
        }
    }
}
