package io.github.wisesrnet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Python with PyTorch, for the tests and benchmarks that compare with it: {@code -Dwisesrnet.python=...} if
 * given, else {@code python3} on the PATH, else Debian's {@code /usr/bin/python3} (where {@code python3-torch}
 * installs; a PATH can put another Python first).
 *
 * @param executable the Python to run
 * @param torchVersion PyTorch's version as it reports it
 */
public record TorchPython(String executable, String torchVersion) {

    /** Why the last {@link #find} found nothing (each candidate and what it said). */
    private static volatile String lastReason = "not searched";

    /**
     * The first candidate that imports all of {@code modules} (for example "torch", "torchvision"), or empty; then
     * {@link #whyMissing()} says what each candidate answered.
     */
    public static synchronized Optional<TorchPython> find(String... modules) {
        List<String> candidates = new ArrayList<>();
        if (System.getProperty("wisesrnet.python") != null) {
            candidates.add(System.getProperty("wisesrnet.python"));
        }
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        String imports = String.join(", ", modules);
        StringBuilder reasons = new StringBuilder();
        for (String candidate : candidates) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import " + imports + "; print(torch.__version__)")
                        .redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0) {
                    return Optional.of(new TorchPython(candidate, output.lines().reduce((a, b) -> b).orElse("?")));
                }
                reasons.append(candidate).append(": ").append(output.lines().reduce((a, b) -> b).orElse(""))
                        .append("; ");
            } catch (IOException | InterruptedException e) {
                reasons.append(candidate).append(": ").append(e.getMessage()).append("; ");
            }
        }
        lastReason = "no Python with " + imports + " (" + reasons.toString().replaceAll("; $", "")
                + "); Debian: apt-get install python3-torch python3-torchvision";
        return Optional.empty();
    }

    /** What the last unsuccessful {@link #find} saw. */
    public static String whyMissing() {
        return lastReason;
    }
}
