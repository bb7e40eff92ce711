package org.tlworkbook;

import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.Assumptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The public API is documented and the internals say they are internal: javadoc's own "missing" lint over the
 * packages a user may depend on, and a package-info per package.
 */
class ApiDocsTest {
    static final Path SOURCES = Path.of("src", "main", "java");
    static final List<String> PUBLIC = List.of("org.tlworkbook", "org.tlworkbook.data", "org.tlworkbook.model",
            "org.tlworkbook.train", "org.tlworkbook.plot", "org.tlworkbook.notebook");

    @Test
    void everyPublicTypeAndMethodOfThePublicPackagesHasJavadoc(@org.junit.jupiter.api.io.TempDir Path out) throws Exception {
        Path tool = Path.of(System.getProperty("java.home"), "bin", "javadoc");
        Assumptions.assumeTrue(Files.isExecutable(tool), "this Java has no javadoc tool: " + tool);
        List<String> command = new ArrayList<>(List.of(tool.toString(), "-quiet", "-Xmaxwarns", "10000", "-Xdoclint:missing",
                "-encoding", "UTF-8", "-docencoding", "UTF-8", "-charset", "UTF-8", "-J-Dfile.encoding=UTF-8", // whatever the locale
                "-d", out.resolve("docs").toString(), "-sourcepath", SOURCES.toString(), "-classpath", dependencies()));
        command.addAll(PUBLIC); // the public packages alone: what a user of the jar reads
        Path log = out.resolve("javadoc.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "javadoc did not finish in 5 minutes");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), "javadoc failed:\n" + output);
        List<String> lines = output.lines().toList();
        List<String> undocumented = new ArrayList<>();
        for (int i = 0; i + 1 < lines.size(); i++) {
            // javadoc prints the source line after each warning; a Serializable class's private fields are not API
            if (!lines.get(i).contains("warning: no comment") || lines.get(i + 1).strip().startsWith("private ")) continue;
            String at = lines.get(i).substring(0, lines.get(i).indexOf(": warning"));
            if (inPublicPackage(at)) undocumented.add(at + "  " + lines.get(i + 1).strip());
        }
        assertEquals(List.of(), undocumented, "public types and methods without javadoc");
        assertTrue(output.lines().anyMatch(l -> l.contains("warning: no @")),
                "javadoc's missing-doc lint did not run (it reports @param/@return gaps, which are allowed):\n" + output);
    }

    @Test
    void everyPackageSaysItsRoleAndTheInternalOnesSayInternal() throws Exception {
        List<Path> packages;
        try (Stream<Path> dirs = Files.walk(SOURCES.resolve("org/tlworkbook"))) {
            packages = dirs.filter(Files::isDirectory).filter(ApiDocsTest::holdsJava).toList();
        }
        assertTrue(packages.size() >= 10, "packages found: " + packages);
        for (Path dir : packages) {
            String name = SOURCES.relativize(dir).toString().replace(File.separatorChar, '.');
            Path info = dir.resolve("package-info.java");
            assertTrue(Files.exists(info), name + " has no package-info.java");
            boolean internal = Files.readString(info).contains("<b>Internal</b>");
            assertEquals(!PUBLIC.contains(name), internal,
                    name + (internal ? " is public API but its package-info says Internal" : " is internal but its package-info does not say so"));
        }
    }

    /** The dependency jars only: javadoc reads this project from its sources, and its classes beside them confuse it. */
    static String dependencies() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.endsWith(".jar")).collect(java.util.stream.Collectors.joining(File.pathSeparator));
    }

    static boolean inPublicPackage(String location) {
        Path file = Path.of(location.substring(0, location.lastIndexOf(':')));
        return PUBLIC.contains(SOURCES.relativize(file.getParent()).toString().replace(File.separatorChar, '.'));
    }

    static boolean holdsJava(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".java"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
