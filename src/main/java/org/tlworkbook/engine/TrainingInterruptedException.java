package org.tlworkbook.engine;

/** Training stopped on request (kernel interrupt, Ctrl-C); weights of the last completed epoch are kept. */
public class TrainingInterruptedException extends RuntimeException {
    public TrainingInterruptedException(String message) {
        super(message);
    }
}
