package org.tlworkbook.data;

import java.io.IOException;

/** A download or extraction that could not be completed; the message says what to do next. */
public class DownloadException extends IOException {
    /** A failure whose message says what went wrong and what to do. */
    public DownloadException(String message) {
        super(message);
    }

    /** A failure whose message says what to do, caused by {@code cause}. */
    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
