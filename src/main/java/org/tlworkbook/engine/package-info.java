/**
 * <b>Internal</b>: may change in any version, without notice in the changelog. How the model runs: graphs built on
 * DL4J, oneDNN convolutions for the frozen base's forward pass, feature caching and the training loops that
 * {@link org.tlworkbook.model.Classifier#fit} hands work to (as Keras keeps its loops in the backend).
 */
package org.tlworkbook.engine;
