package org.tlworkbook.data;

import java.io.IOException;
import java.nio.file.Path;

/** An image file that cannot be used, with the reason (empty, not an image, damaged). */
public class UnreadableImageException extends IOException {
    private final Path file;
    private final String reason;

    public UnreadableImageException(Path file, String reason) {
        super((file.toString().isEmpty() ? "''" : file) + ": " + reason);
        this.file = file;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    public String reason() {
        return reason;
    }
}
