package org.tlworkbook;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The package rules, read from the sources: packages follow the pipeline and never reach back up it, and
 * the notebooks use the learner's API rather than the engine's plumbing.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/org/tlworkbook");
    private static final Pattern REFERENCE = Pattern.compile("org\\.tlworkbook\\.([a-z0-9]+)");

    /** What each package may use besides itself; the front ends (notebook, cli, bench) may use everything. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "data", Set.of(),
            "engine", Set.of("data"),
            "model", Set.of("data", "engine"),
            "train", Set.of("data", "model", "engine"),
            "plot", Set.of("data", "model", "train"));

    /** Package (first segment below org.tlworkbook) -> packages its source files refer to, with the files. */
    static Map<String, Map<String, Set<String>>> references() throws IOException {
        Map<String, Map<String, Set<String>>> refs = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    if (m.group(1).equals(pkg)) continue;
                    refs.computeIfAbsent(pkg, k -> new TreeMap<>()).computeIfAbsent(m.group(1), k -> new TreeSet<>())
                            .add(MAIN.relativize(f).toString());
                }
            }
        }
        return refs;
    }

    @Test
    void packagesNeverImportUpThePipeline() throws IOException {
        Map<String, Map<String, Set<String>>> refs = references();
        assertTrue(refs.get("model").containsKey("engine"), "the scan sees imports (model builds on engine): " + refs);
        assertTrue(refs.get("cli").containsKey("train"), "the scan sees imports (the CLI runs recipes): " + refs);
        StringBuilder broken = new StringBuilder();
        for (Map.Entry<String, Set<String>> rule : ALLOWED.entrySet()) {
            for (Map.Entry<String, Set<String>> used : refs.getOrDefault(rule.getKey(), Map.of()).entrySet()) {
                if (!rule.getValue().contains(used.getKey())) {
                    broken.append(rule.getKey()).append(" uses ").append(used.getKey()).append(" in ").append(used.getValue()).append('\n');
                }
            }
        }
        assertEquals("", broken.toString());
    }

    @Test
    void phaseNamesLiveInOnePlace() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            List<String> spelled = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    String code = Files.readString(p).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                    return code.contains("\"fine_tune\"") || code.contains("\"frozen\"");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(p -> p.getFileName().toString()).toList();
            assertEquals(List.of("Phase.java"), spelled);
        }
    }

    @Test
    void theLibraryReportsThroughProgressNeverOnStandardOutput() throws IOException {
        List<String> printing = new java.util.ArrayList<>();
        for (String pkg : List.of("data", "model", "engine", "train", "plot")) {
            try (Stream<Path> files = Files.walk(MAIN.resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                    boolean reporter = f.endsWith("data/Progress.java"); // the console reporter itself
                    boolean crash = f.endsWith("data/CrashPoint.java"); // flushes what was said, then says on stderr why it halts the JVM
                    if (crash) continue;
                    if (code.contains("System.out") && !reporter || code.contains("System.err")) printing.add(MAIN.relativize(f).toString());
                }
            }
        }
        assertEquals(List.of(), printing, "library code says things with Progress.note/tell, so a front end decides where they go");
        String crashPoint = Files.readString(MAIN.resolve("data/CrashPoint.java"));
        assertFalse(crashPoint.contains("public final class") || crashPoint.contains("public static"), "fault injection is not public API");
    }

    @Test
    void notebooksUseTheLearnersApi() throws IOException {
        String all;
        try (Stream<Path> nbs = Files.list(Path.of("notebooks"))) {
            StringBuilder sb = new StringBuilder();
            for (Path nb : nbs.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList()) sb.append(Files.readString(nb));
            all = sb.toString();
        }
        for (String plumbing : List.of("outputName()", ".phase(", ".after(", "initialEpoch", "keepActivationsAt",
                "reuseActivations", ".preprocessing(base.preprocessing())", "shuffle(false)", "Trainer.")) {
            assertFalse(all.contains(plumbing), "a notebook still uses " + plumbing);
        }
        assertTrue(all.contains("model.fit(") && all.contains("model.predict(") && all.contains("model.evaluate("));
    }
}
