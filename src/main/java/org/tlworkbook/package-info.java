/**
 * The Transfer Learning Workbook's helper library: image data in, a pretrained base with a new head trained on it,
 * learning curves out. The packages follow that pipeline, {@link org.tlworkbook.data} → {@link org.tlworkbook.model}
 * → {@link org.tlworkbook.train} → {@link org.tlworkbook.plot}, with {@link org.tlworkbook.notebook} for Jupyter cells.
 * Those five are the public API, kept compatible within a minor version (see the README's "Versions"); the engine,
 * classroom, CLI and bench packages are internal.
 */
package org.tlworkbook;
