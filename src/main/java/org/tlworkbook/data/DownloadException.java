package org.tlworkbook.data;

import java.io.IOException;

/** A download or extraction that could not be completed; the message says what to do next. */
public class DownloadException extends IOException {
    public DownloadException(String message) {
        super(message);
    }

    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
