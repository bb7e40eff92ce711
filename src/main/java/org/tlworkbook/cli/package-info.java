/**
 * <b>Internal</b>: the {@code ./workbook} command line (download, train, resume, evaluate, predict, exercises, bench).
 * Its commands and options are documented by {@code ./workbook --help}; its classes may change in any version.
 */
package org.tlworkbook.cli;
