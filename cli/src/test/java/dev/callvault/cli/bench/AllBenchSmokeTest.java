package dev.callvault.cli.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark of bench/all.sh, every part run small so that none of it rots: each part starts, measures and prints
 * its rows, and the rows that are facts rather than speeds (nothing lost, each recording fetched and stored exactly
 * once, every acknowledged callback in the database, no frame lost) hold. Speeds are not asserted: they belong to the
 * full run on a quiet machine, reported in the closing notes.
 */
class AllBenchSmokeTest {
    @Test
    void everyPartRunsAndWhatMustHoldHolds() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<AllBench.Row> rows = new AllBench(true, new PrintStream(log, true, StandardCharsets.UTF_8)).run(AllBench.PARTS);
        String seen = log.toString(StandardCharsets.UTF_8) + "\n" + AllBench.table(rows);
        System.out.println(seen);

        assertThat(rows).as(seen).noneMatch(r -> r.measure().startsWith("failed"));
        assertThat(rows.stream().map(AllBench.Row::part).distinct()).as(seen).containsExactlyElementsOf(AllBench.PARTS);
        assertThat(rows).as(seen).allMatch(r -> !Double.isNaN(r.value()));
        assertThat(rows).filteredOn(r -> r.unit().equals("exactly once")).as(seen).hasSize(2).allMatch(r -> Boolean.TRUE.equals(r.met()));
        // one row at each load (and one beside stress-ng's disk writers where stress-ng is installed)
        assertThat(rows).filteredOn(r -> r.measure().startsWith("acknowledged callbacks missing")).as(seen).isNotEmpty()
                .allSatisfy(r -> assertThat(r.value()).isZero());
        assertThat(rows).filteredOn(r -> r.measure().startsWith("upgraded rows without their object")).as(seen).singleElement()
                .satisfies(r -> assertThat(r.value()).isZero());
        assertThat(rows).filteredOn(r -> r.unit().equals("frames")).as(seen).hasSize(2).allMatch(r -> r.value() == 0);
        // the baselines that start as what they stand for: Python's script and curl, each as its own process
        assertThat(rows).filteredOn(r -> r.measure().startsWith("one-file Python script")).as(seen).singleElement()
                .satisfies(r -> assertThat(r.value()).isPositive());
        assertThat(rows).filteredOn(r -> r.measure().startsWith("curl, ")).as(seen).singleElement()
                .satisfies(r -> assertThat(r.value()).isPositive());
        assertThat(rows).filteredOn(r -> r.measure().contains("empty window")).as(seen).hasSize(2);
        // verify over a generated day where everything is archived: nothing to report, so it exits 0
        assertThat(rows).filteredOn(r -> r.part().equals("verify-day") && r.unit().equals("exit code")).as(seen).singleElement()
                .satisfies(r -> assertThat(r.value()).isZero());
        assertThat(rows).filteredOn(r -> r.part().equals("verify-day") && r.unit().equals("recordings")).as(seen).singleElement()
                .satisfies(r -> assertThat(r.met()).isTrue());
        assertThat(AllBench.table(rows).lines().count()).isEqualTo(rows.size() + 1);
    }
}
