package dev.callvault;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The core's layers, read from its compiled classes (docs/design.md draws them): no package of the core reaches
 * another through a circle; analysis and peaks are pure (samples in, numbers out); the features never call the privacy
 * layer or the pauses above them (they ask db/ for marks and pause rows); the adapters never reach up.
 */
class LayersTest {
    private static final JavaClasses CORE = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.callvault");
    private static final String[] FEATURES = {"dev.callvault.archive..", "dev.callvault.recorder..", "dev.callvault.backfill..",
            "dev.callvault.verify..", "dev.callvault.replay..", "dev.callvault.calls..", "dev.callvault.derived..", "dev.callvault.download..",
            "dev.callvault.encrypted.."};
    private static final String[] ADAPTERS = {"dev.callvault.db..", "dev.callvault.storage..", "dev.callvault.twilio..", "dev.callvault.journal.."};

    @Test
    void noPackageOfTheCoreReachesAnotherThroughACircle() {
        slices().matching("dev.callvault.(*)..").should().beFreeOfCycles().check(CORE);
    }

    @Test
    void analysisAndPeaksAreGivenSamplesAndReadNothing() {
        noClasses().that().resideInAnyPackage("dev.callvault.analysis..", "dev.callvault.peaks..")
                .should().dependOnClassesThat().resideInAnyPackage(concat(ADAPTERS, FEATURES, new String[]{"dev.callvault.pause..", "dev.callvault.privacy.."}))
                .check(CORE);
    }

    @Test
    void theFeaturesNeverCallThePrivacyLayerNorThePauses() {
        noClasses().that().resideInAnyPackage(FEATURES)
                .should().dependOnClassesThat().resideInAnyPackage("dev.callvault.privacy..", "dev.callvault.pause..")
                .check(CORE);
    }

    @Test
    void theAdaptersNeverReachUp() {
        noClasses().that().resideInAnyPackage(ADAPTERS)
                .should().dependOnClassesThat().resideInAnyPackage(concat(FEATURES, new String[]{"dev.callvault.pause..", "dev.callvault.privacy.."}))
                .check(CORE);
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
