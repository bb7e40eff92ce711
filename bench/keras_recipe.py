#!/usr/bin/env python3
"""The seed-2 recipe (TensorFlow transfer-learning tutorial) in Keras, as the reference for the side-by-side bench.

Usage (TensorFlow from a local pip mirror; a dev tool, never a runtime dependency of the workbook):
    python3 bench/keras_recipe.py --data DIR/cats_and_dogs_filtered --weights mobilenet_v2_..._no_top.h5 [--out metrics.json]

Same recipe as `./workbook train`: 160x160 images resized bilinearly, MobileNetV2 preprocessing to [-1, 1],
batch 32, the base called with training=False (its batch norms use their moving statistics, as in the
current TF tutorial), GAP + Dense(1, sigmoid), RMSprop 1e-4 for 10 epochs, then layers from 100 on
unfrozen and RMSprop 2e-5 for 10 more. Prints and writes the same metrics as the workbook's metrics.json.
"""
import argparse, json, os, resource, time

import tensorflow as tf
import keras


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--size", type=int, default=160)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--fine-epochs", type=int, default=10)
    ap.add_argument("--fine-tune-at", type=int, default=100)
    ap.add_argument("--seed", type=int, default=37)
    ap.add_argument("--out")
    a = ap.parse_args()
    keras.utils.set_random_seed(a.seed)

    def images(sub, shuffle):
        ds = keras.utils.image_dataset_from_directory(os.path.join(a.data, sub), label_mode="binary", shuffle=shuffle,
                                                      seed=a.seed, image_size=(a.size, a.size), batch_size=a.batch)
        return ds.map(lambda x, y: (keras.applications.mobilenet_v2.preprocess_input(x), y)).prefetch(2)

    train, val = images("train", True), images("validation", False)
    base = keras.applications.MobileNetV2(input_shape=(a.size, a.size, 3), include_top=False, weights=None)
    base.load_weights(a.weights)
    base.trainable = False
    inputs = keras.Input((a.size, a.size, 3))
    x = base(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), loss="binary_crossentropy", metrics=["accuracy"])

    t0 = time.time()
    h1 = model.fit(train, epochs=a.epochs, validation_data=val, verbose=2)
    frozen_seconds = time.time() - t0

    base.trainable = True
    for layer in base.layers[:a.fine_tune_at]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.RMSprop(2e-5), loss="binary_crossentropy", metrics=["accuracy"])
    print(f"trainable arrays: {len(model.trainable_variables)}, params: {sum(int(tf.size(v)) for v in model.trainable_variables)}")
    t1 = time.time()
    h2 = model.fit(train, epochs=a.epochs + a.fine_epochs, initial_epoch=a.epochs, validation_data=val, verbose=2)
    fine_seconds = time.time() - t1

    metrics = {
        "base": "mobilenet_v2", "size": a.size, "fine_tune_at": a.fine_tune_at, "framework": f"keras {keras.__version__}, tensorflow {tf.__version__}",
        "val_accuracy_frozen": round(float(h1.history["val_accuracy"][-1]), 4),
        "val_accuracy_fine_tune": round(float(h2.history["val_accuracy"][-1]), 4),
        "seconds_frozen": round(frozen_seconds, 1),
        "seconds_fine_tune": round(fine_seconds, 1),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    text = json.dumps(metrics, indent=2)
    print(text)
    if a.out:
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
