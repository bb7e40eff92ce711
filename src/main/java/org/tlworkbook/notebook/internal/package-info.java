/**
 * <b>Internal</b>: the notebook file format as the runner, the gallery and the classroom read and write it (nbformat 4
 * JSON through ND4J's shaded Jackson). Kept out of the public {@code notebook} package so its signatures show no
 * third-party JSON types; nothing here is stable.
 */
package org.tlworkbook.notebook.internal;
