package org.tlworkbook.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The command that runs a main class in a JVM of its own, with this JVM's Java and test class path (for cross-process tests). */
public final class ChildJvm {
    private ChildJvm() { }

    public static List<String> command(List<String> jvmOptions, Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dfile.encoding=UTF-8"); // as every JVM the workbook starts
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * The environment of one of {@code sideBySide} native-heavy processes (JVMs running ND4J) run at once: each gets its
     * share of the cores, since OpenMP's and OpenBLAS's idle threads spin. Two kernels of two threads each on CI's two
     * cores took 639 s of CPU for what two kernels of one thread did in 273 s.
     */
    public static Map<String, String> sharingCores(int sideBySide) {
        return Map.of("OMP_NUM_THREADS", Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / sideBySide)));
    }
}
