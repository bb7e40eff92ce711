package org.tlworkbook.data;

/**
 * A file the workbook needs that is neither cached nor to be had from the network or a mirror. Its message is the
 * whole story (what is missing, where to put it, where it comes from), so it carries no stack trace: a notebook
 * cell shows one sentence, not a page of frames a learner cannot act on.
 */
public class MissingFileException extends RuntimeException {
    /** A missing file; {@code message} says what is missing, where to put it, and its URL. */
    public MissingFileException(String message) {
        super(message, null, false, false);
    }
}
