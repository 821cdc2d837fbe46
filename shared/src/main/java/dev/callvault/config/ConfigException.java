package dev.callvault.config;

import dev.callvault.PermanentException;

/** The configuration is wrong; the message names the setting and how to fix it. */
public class ConfigException extends PermanentException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
