package io.github.wisesrnet.app.report;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportMetadataTest {

    @Test
    void describesCoresOsJavaAndBackend() {
        String machine = ReportMetadata.describeMachine();

        assertTrue(machine.startsWith(Runtime.getRuntime().availableProcessors() + " cores"), machine);
        assertTrue(machine.contains(System.getProperty("os.name")), machine);
        assertTrue(machine.contains("Java " + System.getProperty("java.version")), machine);
        assertTrue(machine.contains("ND4J "), machine);
        assertTrue(machine.contains("CPU binary") || machine.contains("GPU backend"), machine);
    }

    @Test
    void skippedFilesAreCopiedAndNullMeansNone() {
        List<String> skipped = new ArrayList<>(List.of("a.jpg"));
        ReportMetadata meta = SyntheticResults.metadata(skipped);
        skipped.add("b.jpg");

        assertEquals(List.of("a.jpg"), meta.skippedFiles());
        assertEquals(List.of(), SyntheticResults.metadata(null).skippedFiles());
    }

    @Test
    void rejectsNonPositiveSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReportMetadata("t", "d", "b", 64, 64, 1, 0, 16, "o", "c", "m", Instant.EPOCH, null));
        assertEquals("epochs must be positive, got 0", e.getMessage());
    }
}
