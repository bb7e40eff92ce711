/**
 * Step four: looking at the results with XChart. Learning curves (accuracy and loss, training against validation, a
 * marker where fine-tuning starts), a confusion matrix, and image grids of predictions.
 */
package org.tlworkbook.plot;
