/**
 * Step three: the transfer-learning recipe. {@link org.tlworkbook.train.FineTuning} is "train the head on the frozen
 * base, then unfreeze from layer {@code fine_tune_at} at a lower rate" in one call; {@link org.tlworkbook.train.RunFolder}
 * keeps a run's checkpoints so a stopped run resumes where it stopped.
 */
package org.tlworkbook.train;
