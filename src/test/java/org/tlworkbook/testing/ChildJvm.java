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
     * The environment of a native-heavy process (a JVM running ND4J) run beside others: two OpenMP threads, the count
     * the engine's tolerances were measured at, that sleep when idle instead of spinning. Two kernels side by side with
     * spinning threads on CI's two cores took 639 s of CPU.
     */
    public static Map<String, String> sideBySide() {
        return Map.of("OMP_NUM_THREADS", "2", "OMP_WAIT_POLICY", "PASSIVE");
    }
}
