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
     * The environment of a JVM a test starts beside others (a kernel, a training run): two OpenMP threads, the count
     * the engine's tolerances were measured at, that sleep when idle instead of spinning (two kernels side by side with
     * spinning threads on CI's two cores took 639 s of CPU); and C1 alone, since such a JVM lives seconds to a minute
     * and C2 spends more CPU compiling than it saves (the eight notebooks through IJava: 131 s of CPU with C2, 86 s
     * without, and a shorter wall time; KillAnywhereTest's fifteen trainings: 111 s, 65 s). The JIT does not change
     * a result: Java's float arithmetic is the same in every compiler. {@code JDK_JAVA_OPTIONS} reaches the JVMs a
     * kernelspec or a launcher starts, whose command lines a test does not write.
     */
    public static Map<String, String> sideBySide() {
        return Map.of("OMP_NUM_THREADS", "2", "OMP_WAIT_POLICY", "PASSIVE", "JDK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1");
    }
}
