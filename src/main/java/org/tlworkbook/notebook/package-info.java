/**
 * The workbook inside Jupyter (IJava, JJava, or the headless runner): {@link org.tlworkbook.notebook.Jupyter} shows
 * images, HTML tables and one live progress bar per loop; {@link org.tlworkbook.notebook.Profile} picks the notebook's
 * size (smoke, quick, full). The kernel bridge and the headless runner in this package are internal.
 */
package org.tlworkbook.notebook;
