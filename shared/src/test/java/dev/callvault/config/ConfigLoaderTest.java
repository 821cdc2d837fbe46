package dev.callvault.config;

import dev.callvault.accounts.TwilioCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    private static final String AC = "AC0123456789abcdef0123456789abcdef";
    private static final String AC2 = "ACabcdefabcdefabcdefabcdefabcdef01";

    @Test
    void laterLayersWinFileThenEnvironmentThenOptions(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("callvault.conf");
        Files.writeString(file, """
                # comments are fine
                http.port = 9000
                storage = s3://from-file/prefix
                public-url = https://file.example.com
                twilio.account-sid = %s
                twilio.auth-token = token-from-file
                twilio.account.%s.auth-token = second-token
                """.formatted(AC, AC2));

        Config c = ConfigLoader.load(file, Map.of("CALLVAULT_STORAGE", "s3://from-env/x", "CALLVAULT_HTTP_PORT", "9100"),
                Map.of("http.port", "9200"));

        assertThat(c.http().port()).isEqualTo(9200);
        assertThat(c.storage()).isInstanceOfSatisfying(StorageTarget.S3.class, s3 -> {
            assertThat(s3.bucket()).isEqualTo("from-env");
            assertThat(s3.prefix()).isEqualTo("x/");
        });
        assertThat(c.http().publicUrl()).hasToString("https://file.example.com");
        assertThat(c.http().streamUrl()).hasToString("wss://file.example.com/streams");
        assertThat(c.twilio().accounts()).extracting(TwilioCredentials::accountSid).containsExactlyInAnyOrder(AC, AC2);
    }

    @Test
    void defaultsRunWithoutDatabaseOrBucket(@TempDir Path dir) {
        Config c = ConfigLoader.load(null, Map.of("CALLVAULT_STATE_DIR", dir.toString()), Map.of());

        assertThat(c.database().embedded()).isTrue();
        assertThat(c.storage()).isEqualTo(new StorageTarget.Directory(dir.resolve("recordings")));
        assertThat(c.twilio().apiUrl()).hasToString("https://api.twilio.com");
    }

    @Test
    void theUsersFileBesideTheConfigIsTheDefaultWhenThereIsOne(@TempDir Path dir) throws Exception {
        // the package's /etc/callvault/users: the daemon (state directory from systemd) and a CLI run by hand read the same
        Path file = dir.resolve("callvault.conf");
        Files.writeString(file, "http.port = 9000\n");
        Map<String, String> env = Map.of("CALLVAULT_STATE_DIR", dir.resolve("state").toString());

        assertThat(ConfigLoader.load(file, env, Map.of()).http().usersFile()).isEqualTo(dir.resolve("state").resolve("users"));
        Files.writeString(dir.resolve("users"), "");
        assertThat(ConfigLoader.load(file, env, Map.of()).http().usersFile()).isEqualTo(dir.resolve("users"));
        assertThat(ConfigLoader.load(file, env, Map.of("http.users-file", "/srv/users")).http().usersFile()).isEqualTo(Path.of("/srv/users"));
    }

    @Test
    void secretsNeverShowInToStringOrDescribe() {
        Config c = ConfigLoader.of(Map.of("twilio.account-sid", AC, "twilio.auth-token", "s3cr3t-token",
                "database.url", "postgresql://app:hunter2@db.internal:5432/callvault"));

        assertThat(c.toString()).doesNotContain("s3cr3t-token").doesNotContain("hunter2");
        assertThat(c.describe().toString()).doesNotContain("s3cr3t-token").doesNotContain("hunter2");
        assertThat(c.database().jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/callvault");
        assertThat(c.database().user()).isEqualTo("app");
        assertThat(c.database().password().reveal()).isEqualTo("hunter2");
    }

    @Test
    void unknownSettingIsNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.conf");
        Files.writeString(file, "storag = s3://x\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown setting 'storag'");
    }

    @Test
    void theManagementListenerIsOnLoopbackUnlessToldOtherwise() {
        var defaults = ConfigLoader.of(Map.of()).http();
        var ipv6 = ConfigLoader.of(Map.of("http.management-address", "[::1]:9100")).http();

        assertThat(defaults.managementHost()).isEqualTo("127.0.0.1");
        assertThat(defaults.managementPort()).isEqualTo(8081);
        assertThat(ipv6.managementHost()).isEqualTo("::1");
        assertThat(ipv6.managementPort()).isEqualTo(9100);
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("http.management-address", "9100")))
                .hasMessageContaining("http.management-address").hasMessageContaining("host:port");
    }

    @Test
    void badValuesNameTheSettingAndTheFix() {
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("http.port", "eighty")))
                .hasMessageContaining("http.port").hasMessageContaining("whole number");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("public-url", "calls.example.com")))
                .hasMessageContaining("public-url").hasMessageContaining("absolute");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("twilio.account-sid", "AC123", "twilio.auth-token", "x")))
                .hasMessageContaining("twilio.account-sid");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("twilio.auth-token", "x")))
                .hasMessageContaining("TWILIO_ACCOUNT_SID");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("storage", "s3://Bad_Bucket")))
                .hasMessageContaining("not a valid S3 bucket name");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("database.url", "mysql://root:pw@x/db")))
                .hasMessageContaining("database.url").hasMessageNotContaining("pw");
    }

    @Test
    void matchesACallToItsAssistantByIdThenByNumberElseTheDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("callvault.conf");
        Files.writeString(file, """
                recording.enabled = false
                recording.format = wav
                assistant.sales.recording.enabled = true
                assistant.sales.recording.record-user-audio = false
                assistant.sales.numbers = +15550100, +15550101
                assistant.sales.twilio.account-sid = %s
                assistant.sales.twilio.auth-token = sales-token
                assistant.support.recording.enabled = true
                assistant.support.recording.format = mp3
                """.formatted(AC2));

        Config c = ConfigLoader.load(file, Map.of(), Map.of());

        Assistant sales = c.assistants().match("sales", null);
        assertThat(sales.records()).isTrue();
        assertThat(sales.format()).as("inherits the default format").isEqualTo("wav");
        assertThat(sales.tracks()).containsExactly("assistant", "mixed");
        assertThat(c.assistants().match(null, "+15550101").id()).isEqualTo("sales");
        assertThat(c.assistants().match("support", "+15550101").format()).as("the id wins over the number").isEqualTo("mp3");
        assertThat(c.assistants().match(null, "+15559999").records()).as("no match: the defaults").isFalse();
        assertThat(c.twilio().account(AC2)).as("an assistant's own account is one we hold").isPresent();
        assertThat(c.twilio().account(AC2).get().authToken().reveal()).isEqualTo("sales-token");
    }

    @Test
    void refusesAnUnknownRecordingFormat() {
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("recording.format", "ogg")))
                .hasMessageContaining("recording.format must be mp3 or wav");
    }
}
