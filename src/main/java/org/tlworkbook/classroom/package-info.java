/**
 * <b>Internal</b>: the classroom front end behind {@code ./workbook exercises} and {@code ./workbook grade}.
 * Releases nbgrader-format exercises and grades students' notebooks each in an OS sandbox (bubblewrap), where check
 * cells only hand answers out as data; a separate checker that never runs a submission's code decides the
 * verdicts, so a grade cannot be forged by the notebook it grades.
 */
package org.tlworkbook.classroom;
