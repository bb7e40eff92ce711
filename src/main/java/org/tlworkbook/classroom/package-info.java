/**
 * <b>Internal</b>: the classroom front end behind {@code ./workbook exercises}. Releases nbgrader-format exercises
 * and grades students' notebooks in isolated, signed grading hosts, so a grade cannot be forged by the notebook it
 * grades.
 */
package org.tlworkbook.classroom;
