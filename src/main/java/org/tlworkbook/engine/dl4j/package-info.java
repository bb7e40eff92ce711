/**
 * <b>Internal</b>: may change in any version. DL4J layers the engine adds (ReLU6, fast depthwise and pointwise
 * convolutions, inference-only batch norm) where DL4J's own are slow or missing.
 */
package org.tlworkbook.engine.dl4j;
