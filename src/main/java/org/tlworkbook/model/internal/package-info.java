/**
 * <b>Internal</b>: the engine's view of a model (its layer list, DL4J graph and compiled network), for the engine's
 * callers inside the workbook (recipes, classroom, benchmarks, tests). The public {@code model} package keeps these
 * out of its signatures, so a learner's API never shows the engine; nothing here is stable.
 */
package org.tlworkbook.model.internal;
