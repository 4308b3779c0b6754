package io.github.wisesrnet;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A library changes nothing its user did not ask for: loading every class of the library and building, saving and
 * loading networks sets no system property. Checked in a fresh JVM ({@link SystemPropertyProbe}), since this test
 * JVM has loaded the classes already and runs with the helper switch set by the build.
 */
class NoSurprisesTest {

    @Test
    void loadingTheLibraryAndBuildingNetworksSetsNoSystemProperty() throws Exception {
        List<String> out = probe("plain");
        assertLoadedAndFinished(out);
        List<String> changed = out.stream().filter(l -> l.startsWith(SystemPropertyProbe.CHANGED_PREFIX)).toList();
        assertEquals(List.of(), changed, String.join("\n", out));
    }

    @Test
    void theExplicitCallIsTheOneThatChangesIt() throws Exception {
        // the probe's own check: it does see a change when the user asks for one
        List<String> out = probe("enable");
        assertLoadedAndFinished(out);
        String expected = OneDnnHelpers.oneDnnAvailable()
                ? SystemPropertyProbe.CHANGED_PREFIX + OneDnnHelpers.DISABLE_PROPERTY + ": null -> false" : null;
        List<String> changed = out.stream().filter(l -> l.startsWith(SystemPropertyProbe.CHANGED_PREFIX)).toList();
        assertEquals(expected == null ? List.of() : List.of(expected), changed, String.join("\n", out));
    }

    private static void assertLoadedAndFinished(List<String> out) {
        String loaded = out.stream().filter(l -> l.startsWith(SystemPropertyProbe.CLASSES_PREFIX)).findFirst()
                .orElseThrow(() -> new AssertionError("probe printed no class count:\n" + String.join("\n", out)));
        int count = Integer.parseInt(loaded.substring(SystemPropertyProbe.CLASSES_PREFIX.length()).trim());
        assertTrue(count > 80, "only " + count + " classes loaded");
        assertTrue(out.contains(SystemPropertyProbe.DONE), String.join("\n", out));
    }

    private static List<String> probe(String mode) throws Exception {
        Path classes = Path.of(WiseSrNet.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                SystemPropertyProbe.class.getName(), classes.toString(), mode).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
            }
        }
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "probe did not finish");
        assertEquals(0, process.exitValue(), String.join("\n", lines));
        return lines;
    }
}
