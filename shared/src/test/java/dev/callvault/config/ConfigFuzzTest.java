package dev.callvault.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever a config file holds, loading it either gives a config or a {@link ConfigException} that names what is
 * wrong, never another exception (a stack trace where an operator expected a sentence).
 */
class ConfigFuzzTest {
    private static final List<String> KEYS = Setting.ALL.stream().map(Setting::key).toList();

    @Property(tries = 500)
    void anyFileLoadsOrSaysWhatIsWrong(@ForAll("files") String text) throws Exception {
        Path file = Files.createTempFile("callvault-fuzz", ".conf");
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
            try {
                ConfigLoader.load(file, Map.of(), Map.of());
            } catch (ConfigException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        } finally {
            Files.delete(file);
        }
    }

    @Provide
    Arbitrary<String> files() {
        Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of(KEYS), Arbitraries.strings().ofMaxLength(30),
                Arbitraries.of(KEYS).map(k -> k.replace(".", ".assistant.")), Arbitraries.of("assistant.a.recording.format", "twilio.account.AC0.auth-token"));
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40), Arbitraries.integers().map(String::valueOf),
                Arbitraries.of("", "true", "false", "-1", "99999999999", "s3://", "s3://Bad_Bucket/x", "postgresql://", "jdbc:postgresql://h/db?password=x",
                        "http://", "wss://x", "mp3", "wav", "[::1]:80", "host:99999", "sekrit-value-7f3a", "AC0123456789abcdef0123456789abcdef"));
        Arbitrary<String> line = Arbitraries.oneOf(Combinators.combine(key, value).as((k, v) -> k + " = " + v),
                Arbitraries.strings().ofMaxLength(60), Arbitraries.of("# comment", "", "=", "key", " = value"));
        return line.list().ofMaxSize(12).map(lines -> String.join("\n", lines));
    }
}
