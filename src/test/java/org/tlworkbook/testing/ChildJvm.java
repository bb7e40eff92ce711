package org.tlworkbook.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
}
