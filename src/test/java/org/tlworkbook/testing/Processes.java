package org.tlworkbook.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child processes for tests: Python checks that may be missing, and commands whose failure fails the test with their output. */
public final class Processes {
    private Processes() { }

    private static final Map<String, Boolean> PYTHON_CHECKS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Whether {@code python3 -c code} runs and exits 0 (a module the check needs is importable). Asked once per JVM and
     * code: importing Keras takes about 5 s, and every case of a parameterized test asks.
     */
    public static boolean python(String code) {
        return PYTHON_CHECKS.computeIfAbsent(code, Processes::runsInPython);
    }

    private static boolean runsInPython(String code) {
        try {
            Process p = new ProcessBuilder("python3", "-c", code).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs {@code command} in {@code dir} with {@code env} added; returns its output, or fails with it on a timeout or non-zero exit. */
    public static String run(Path dir, Map<String, String> env, long timeoutSeconds, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = Files.createTempFile("workbook-run", ".log");
        try {
            pb.redirectOutput(log.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + List.of(command) + "\n" + Files.readString(log));
            }
            String out = Files.readString(log);
            if (p.exitValue() != 0) throw new AssertionError(List.of(command) + " exited " + p.exitValue() + ":\n" + out);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
