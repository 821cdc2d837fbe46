package dev.callvault.cli;

import java.io.Console;

/** Destructive actions need --yes; on a terminal the user may confirm instead. Never a prompt without one. */
final class Confirm {
    private Confirm() {
    }

    static boolean destructive(boolean yes, String what) {
        if (yes) {
            return true;
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        String answer = console.readLine("About to %s. Type 'yes' to go on: ", what);
        return answer != null && answer.trim().equalsIgnoreCase("yes");
    }
}
