/**
 * <b>Internal</b>: the benchmarks behind {@code ./workbook bench}, which print speed and memory figures (never
 * asserted in tests).
 */
package org.tlworkbook.bench;
