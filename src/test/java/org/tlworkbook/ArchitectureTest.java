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
    void publicSignaturesOfThePublicPackagesShowNoInternalTypes() throws Exception {
        Path classes = Path.of("target", "classes");
        Set<String> leaks = new TreeSet<>();
        int members = 0;
        for (String pkg : ApiDocsTest.PUBLIC) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    Class<?> c = Class.forName(pkg + "." + f.getFileName().toString().replace(".class", ""), false, getClass().getClassLoader());
                    if (!visible(c)) continue;
                    List<java.util.Map.Entry<String, String>> signatures = new java.util.ArrayList<>();
                    for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                        if (exposed(m.getModifiers()) && !m.isSynthetic()) signatures.add(java.util.Map.entry(m.getName(), m.toGenericString()));
                    }
                    for (java.lang.reflect.Constructor<?> k : c.getDeclaredConstructors()) {
                        if (exposed(k.getModifiers())) signatures.add(java.util.Map.entry("<init>", k.toGenericString()));
                    }
                    for (java.lang.reflect.Field d : c.getDeclaredFields()) {
                        if (exposed(d.getModifiers())) signatures.add(java.util.Map.entry(d.getName(), d.toGenericString()));
                    }
                    if (c.getSuperclass() != null) signatures.add(java.util.Map.entry("extends", c.getSuperclass().getName()));
                    for (Class<?> i : c.getInterfaces()) signatures.add(java.util.Map.entry("implements", i.getName()));
                    for (var sig : signatures) {
                        members++;
                        if (internal(sig.getValue())) leaks.add(c.getName().replace("org.tlworkbook.", "").replace('$', '.') + "." + sig.getKey());
                    }
                }
            }
        }
        assertTrue(members > 300, "the scan read the public API: " + members + " members");
        assertEquals(Set.of(), leaks, "public signatures showing engine, DL4J or other internal types: move them behind model.internal.ModelInternals");
    }

    private static boolean visible(Class<?> c) {
        for (Class<?> x = c; x != null; x = x.getDeclaringClass()) if (!java.lang.reflect.Modifier.isPublic(x.getModifiers())) return false;
        return true;
    }

    private static boolean exposed(int modifiers) {
        return java.lang.reflect.Modifier.isPublic(modifiers) || java.lang.reflect.Modifier.isProtected(modifiers);
    }

    private static boolean internal(String signature) {
        String s = signature.replaceAll("org\\.nd4j\\.linalg\\.api\\.ndarray\\.INDArray|org\\.nd4j\\.linalg\\.dataset\\.[A-Za-z.]+", "");
        return s.matches("(?s).*\\b(org\\.tlworkbook\\.(engine|cli|classroom|bench|[a-z]+\\.internal)|org\\.deeplearning4j|org\\.nd4j|org\\.bytedeco)\\b.*");
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
