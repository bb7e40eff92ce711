package org.tlworkbook;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The helper library itself: its version, as Maven built it, for {@code ./workbook --version} and for bug reports. */
public final class Workbook {
    private Workbook() { }

    /** The artifact's version ({@code org.tlworkbook:transfer-learning-workbook}), or "unknown" outside a Maven build. */
    public static String version() {
        try (InputStream in = Workbook.class.getResourceAsStream("/org/tlworkbook/version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
