package org.tlworkbook.cli;

import java.nio.file.Path;

/** The repository the launcher runs from ({@code -Dworkbook.home}): defaults such as notebooks/ live there, whatever the caller's directory. */
final class Home {
    private Home() { }

    static Path resolve(String relative) {
        return Path.of(System.getProperty("workbook.home", ".")).resolve(relative).toAbsolutePath().normalize();
    }
}
