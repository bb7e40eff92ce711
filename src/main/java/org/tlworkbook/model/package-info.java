/**
 * Step two: the model. A pretrained base without its top ({@link org.tlworkbook.model.BaseModel}: MobileNetV2,
 * VGG16, with Keras-layout weights), a new head ({@link org.tlworkbook.model.Head}), and the
 * {@link org.tlworkbook.model.Classifier} that joins them and, like a Keras model, compiles, fits (keeping its
 * {@link org.tlworkbook.model.History} and continuing epoch numbers), evaluates, predicts, saves and loads.
 */
package org.tlworkbook.model;
