package org.tlworkbook.data;

import java.io.IOException;
import java.nio.file.Path;

/** An image file that cannot be used, with the reason (empty, not an image, damaged). */
public class UnreadableImageException extends IOException {
    private final Path file;
    private final String reason;

    /** {@code file} cannot be used as an image, for {@code reason} (in words a learner can act on). */
    public UnreadableImageException(Path file, String reason) {
        super((file.toString().isEmpty() ? "''" : file) + ": " + reason);
        this.file = file;
        this.reason = reason;
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }

    /** Why, without the path. */
    public String reason() {
        return reason;
    }
}
