package org.tlworkbook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process measurements that benchmarks and metrics report. */
public final class Measure {
    private Measure() { }

    /** Peak resident set size of this process in MiB (Linux VmHWM), or -1 where unknown. */
    public static long peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not on Linux
        }
        return -1;
    }
}
