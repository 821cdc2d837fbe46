package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.calls.CallSearch;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Rows;
import dev.callvault.testing.Sids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /api/v1/calls}: filters, newest first, every call once across cursor pages, the index the list uses. */
class CallsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final Environment env = new Environment();

    private final DaemonHarness harness = new DaemonHarness(env);

    /** {@code n} calls, call i from +1555000000i started i minutes ago. */
    private void seed(int n) {
        env.db().jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO calls (call_sid, account_sid, from_number, to_number, assistant, started_at)
                        SELECT 'CA' || lpad(to_hex(i), 32, '0'), 'AC0123456789abcdef0123456789abcdef', '+1555' || lpad(i::text, 7, '0'),
                               '+15550199', CASE WHEN i % 2 = 0 THEN 'support-en' END, now() - make_interval(mins => i)
                        FROM generate_series(1, :n) AS i""").bind("n", n).execute());
    }

    private JsonNode get(Daemon d, String query) throws Exception {
        HttpResponse<byte[]> r = harness.get(d, "/api/v1/calls" + query, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void pagesShowEveryCallOnceNewestFirst() throws Exception {
        seed(120);
        try (Daemon d = harness.start()) {
            List<String> seen = new ArrayList<>();
            List<String> started = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                JsonNode page = get(d, "?limit=50" + (cursor == null ? "" : "&cursor=" + cursor));
                page.get("calls").forEach(c -> {
                    seen.add(c.get("call_sid").asText());
                    started.add(c.get("started_at").asText());
                });
                cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
                pages++;
            } while (cursor != null);

            assertThat(pages).isEqualTo(3);
            assertThat(seen).hasSize(120).doesNotHaveDuplicates();
            assertThat(started).isSortedAccordingTo((a, b) -> OffsetDateTime.parse(b).compareTo(OffsetDateTime.parse(a)));
            assertThat(seen.get(0)).isEqualTo("CA" + "0".repeat(31) + "1");
        }
    }

    @Test
    void filtersFindExactlyTheMatchingCalls() throws Exception {
        seed(30);
        String live = Sids.call();
        java.util.UUID liveId = Rows.call(env.db(), live);
        env.db().jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO recordings (call_id, recording_type, status, stream_sid) VALUES (:c, 'user', 'in-progress', :s)""")
                .bind("c", liveId).bind("s", Sids.random("MZ")).execute());
        try (Daemon d = harness.start()) {
            JsonNode byNumber = get(d, "?number=0000017");
            JsonNode byAssistant = get(d, "?assistant=support-en&limit=200");
            JsonNode bySid = get(d, "?call_sid=" + live);
            JsonNode liveOnes = get(d, "?state=live");
            JsonNode window = get(d, "?since=" + OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(10).toInstant()
                    + "&until=" + OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5).toInstant());

            assertThat(byNumber.get("calls")).hasSize(1);
            assertThat(byNumber.get("calls").get(0).get("from").asText()).isEqualTo("+15550000017");
            assertThat(byAssistant.get("calls")).hasSize(15);
            assertThat(bySid.get("calls")).hasSize(1);
            assertThat(liveOnes.get("calls")).extracting(c -> c.get("call_sid").asText()).containsExactly(live);
            assertThat(window.get("calls")).hasSize(5);
        }
    }

    @Test
    void aCallWithItsRecordingsAndClearErrors() throws Exception {
        String callSid = Sids.call();
        String key = "recordings/2026/11/24/" + callSid + "/MZ11111111111111111111111111111111-mixed.wav";
        Rows.realtime(env.db(), Rows.call(env.db(), callSid), "mixed", key);
        try (Daemon d = harness.start()) {
            HttpResponse<byte[]> one = harness.get(d, "/api/v1/calls/" + callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
            HttpResponse<byte[]> anonymous = harness.get(d, "/api/v1/calls");
            List<Integer> bad = new ArrayList<>();
            for (String q : List.of("?limit=0", "?limit=x", "?state=gone", "?cursor=bm9wZQ", "?since=yesterday", "?call_sid=CA1")) {
                bad.add(harness.get(d, "/api/v1/calls" + q, "Authorization", "Bearer " + DaemonHarness.API_TOKEN).statusCode());
            }
            HttpResponse<byte[]> missing = harness.get(d, "/api/v1/calls/" + Sids.call(), "Authorization", "Bearer " + DaemonHarness.API_TOKEN);

            JsonNode call = JSON.readTree(one.body());
            assertThat(call.get("from").asText()).isEqualTo("+15550100");
            assertThat(call.get("recordings").get(0).get("type").asText()).isEqualTo("mixed");
            assertThat(call.get("recordings").get(0).get("upgraded_from").isNull()).isTrue();
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(bad).containsOnly(400);
            assertThat(missing.statusCode()).isEqualTo(404);
        }
    }

    /** A call with Twilio's dual-channel recording archived (its completed row), started {@code minutesAgo}. */
    private String twilioArchived(int minutesAgo) {
        String callSid = Sids.call();
        UUID call = Rows.call(env.db(), callSid);
        env.db().jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO recordings (call_id, recording_type, recording_source, status, recording_sid, s3_key, format, channels,
                                                duration_seconds, file_size, sha256)
                        VALUES (:call, 'mixed', 's3', 'completed', :sid, :key, 'mp3', 2, 187, 24576, repeat('b', 64))""")
                .bind("call", call).bind("sid", Sids.recording()).bind("key", "recordings/" + callSid + ".mp3").execute());
        env.db().jdbi().useHandle(h -> h.createUpdate("UPDATE calls SET started_at = now() - make_interval(mins => :m) WHERE id = :id")
                .bind("m", minutesAgo).bind("id", call).execute());
        return callSid;
    }

    private static List<String> sids(JsonNode page) {
        List<String> sids = new ArrayList<>();
        page.get("calls").forEach(c -> sids.add(c.get("call_sid").asText()));
        return sids;
    }

    @Test
    void erasedAndExpiredCallsHaveStatesOfTheirOwnThatTheStateFilterFinds() throws Exception {
        String archived = twilioArchived(4);
        String missing = Sids.call();
        Rows.realtime(env.db(), Rows.call(env.db(), missing), "mixed", "recordings/" + missing + "-mixed.wav");
        String erased = twilioArchived(3);
        Tombstones.erase(env.db(), erased, "bob", "GDPR request 2026-400", Instant.now());
        String expired = twilioArchived(2);
        Tombstones.expire(env.db(), expired, "retention.days = 30", Instant.now());
        try (Daemon d = harness.start()) {
            JsonNode all = get(d, "");
            Map<String, String> archive = new HashMap<>();
            all.get("calls").forEach(c -> archive.put(c.get("call_sid").asText(), c.get("archive").asText()));
            HttpResponse<byte[]> unknown = harness.get(d, "/api/v1/calls?state=gone", "Authorization", "Bearer " + DaemonHarness.API_TOKEN);

            assertThat(archive).containsEntry(archived, "archived").containsEntry(missing, "missing_twilio")
                    .containsEntry(erased, "erased").containsEntry(expired, "expired");
            assertThat(sids(get(d, "?state=erased"))).containsExactly(erased);
            assertThat(sids(get(d, "?state=expired"))).containsExactly(expired);
            assertThat(sids(get(d, "?state=missing_twilio"))).containsExactly(missing);
            assertThat(sids(get(d, "?state=archived"))).containsExactly(archived);
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(new String(unknown.body())).contains("live, archived, missing_twilio, erased, expired");
        }
    }

    @Test
    void theListReadsTheNewestFirstIndexAtAHundredThousandCalls() {
        seed(100_000);
        env.db().jdbi().useHandle(h -> h.execute("ANALYZE calls"));
        CallSearch search = new CallSearch(env.db().jdbi());
        CallSearch.Filter any = new CallSearch.Filter(null, null, null, null, null, null);

        String first = plan(search.sql(any, false), false);
        String later = plan(search.sql(any, true), true);

        assertThat(first).contains("calls_newest_first").doesNotContain("Seq Scan");
        assertThat(later).contains("calls_newest_first").doesNotContain("Seq Scan");
    }

    private String plan(String sql, boolean afterCursor) {
        return env.db().jdbi().withHandle(h -> {
            var q = h.createQuery("EXPLAIN " + sql).bind("limit", 51);
            if (afterCursor) {
                q.bind("afterKey", OffsetDateTime.now(ZoneOffset.UTC).minusDays(10)).bind("afterId", java.util.UUID.randomUUID());
            }
            return String.join("\n", q.mapTo(String.class).list());
        });
    }
}
