/**
 * Step one of the pipeline: getting images in. Datasets downloaded with progress, checksums and a cache that is
 * never left half-written ({@link org.tlworkbook.data.Dataset}, {@link org.tlworkbook.data.Downloader}); folder-per-class
 * image sets ({@link org.tlworkbook.data.ImageFolder}); and Keras-style generators with rescaling, a seeded validation
 * split and augmentation ({@link org.tlworkbook.data.ImageGenerator}). Odd images (grayscale, CMYK, alpha, empty files)
 * are decoded or named in an error, never silently dropped.
 */
package org.tlworkbook.data;
