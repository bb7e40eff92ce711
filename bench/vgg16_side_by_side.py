#!/usr/bin/env python3
"""Side-by-side bench of the seed-3 recipe (VGG16 with augmentation): this workbook vs Keras, one after the other.

Usage (from the repo root; needs cats_and_dogs_filtered.zip, e.g. in ../shared/data, and TensorFlow for the Keras half):
    python3 bench/vgg16_side_by_side.py [--shared ../shared/data] [--out build/vgg16_side_by_side] [--epochs 2]

The real VGG16 ImageNet weights are not available offline and wall time does not depend on weight values, so
Keras builds VGG16 (include_top=False, 150 px) with random weights from a fixed seed and writes them in the
Keras h5 layout; both sides load that file. Recipe (seed 3): frozen base, Flatten, Dense(256, relu), Dropout(0.5),
Dense(2, softmax), Adam 1e-3, categorical cross-entropy, batch 32, augmentation rotation 15, shifts 0.1,
zoom 0.1, horizontal flip. Keras runs the seed's own code path (ImageDataGenerator.flow_from_directory) over
every image each epoch, as the workbook does: the seed's steps_per_epoch = samples // batch makes Keras 3 stop
the second epoch after one batch ("Your input ran out of data"), so it is left out. Prints wall seconds, the
ratio (target <= 0.8x Keras), accuracy and peak RSS.
Set ONEDNN_MAX_CPU_ISA=AVX2 to hold both engines to AVX2.
"""
import argparse, json, os, resource, subprocess, sys, time, zipfile

from side_by_side import write_table  # this folder is on the path when the script runs


def keras_weights(path, size, seed):
    import h5py, keras
    from keras.src.legacy.saving import legacy_h5_format
    keras.utils.set_random_seed(seed)
    base = keras.applications.VGG16(include_top=False, weights=None, input_shape=(size, size, 3))
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, base)
    os.replace(tmp, path)


def keras_recipe(data, weights, size, batch, epochs, seed):
    import tensorflow as tf
    import keras
    keras.utils.set_random_seed(seed)
    base = keras.applications.VGG16(include_top=False, weights=None, input_shape=(size, size, 3))
    base.load_weights(weights)
    base.trainable = False
    model = keras.Sequential([base, keras.layers.Flatten(), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dropout(0.5), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    gen = tf.keras.preprocessing.image.ImageDataGenerator
    train = gen(rescale=1. / 255, rotation_range=15, width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.1,
                horizontal_flip=True).flow_from_directory(os.path.join(data, "train"), target_size=(size, size),
                                                          batch_size=batch, class_mode="categorical", seed=seed)
    val = gen(rescale=1. / 255).flow_from_directory(os.path.join(data, "validation"), target_size=(size, size),
                                                   batch_size=batch, class_mode="categorical", shuffle=False)
    t0 = time.time()
    h = model.fit(train, validation_data=val, epochs=epochs, verbose=2)
    return {"seconds": round(time.time() - t0, 1), "val_accuracy": round(float(h.history["val_accuracy"][-1]), 4),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "framework": f"keras {keras.__version__}, tensorflow {tf.__version__}"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join("build", "vgg16_side_by_side"))
    ap.add_argument("--size", type=int, default=150)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--keras-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--skip-workbook", action="store_true", help="reuse workbook.json from an earlier run")
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    data = os.path.join(out, "images", "cats_and_dogs_filtered")
    weights = os.path.join(out, "vgg16_random_notop.h5")
    keras_json = os.path.join(out, "keras.json")
    if a.keras_only:  # a process of its own, so its peak RSS is Keras' alone
        with open(keras_json, "w") as f:
            json.dump(keras_recipe(data, weights, a.size, a.batch, a.epochs, a.seed), f)
        return
    if not os.path.isdir(data):
        with zipfile.ZipFile(os.path.join(os.path.abspath(a.shared), "cats_and_dogs_filtered.zip")) as z:
            z.extractall(os.path.join(out, "images"))
    if not os.path.exists(weights):
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, 'bench'); import vgg16_side_by_side as b; "
                        f"b.keras_weights({weights!r}, {a.size}, {a.seed})"], check=True)
    ours_json = os.path.join(out, "workbook.json")
    if not a.skip_workbook:
        subprocess.run(["./workbook", "bench", "vgg16", "--data", data, "--weights", weights, "--size", str(a.size),
                        "--batch-size", str(a.batch), "--epochs", str(a.epochs), "--out", ours_json], check=True)
    ours = json.load(open(ours_json))
    subprocess.run([sys.executable, os.path.abspath(__file__), "--keras-only", "--out", out, "--size", str(a.size),
                    "--batch", str(a.batch), "--epochs", str(a.epochs), "--seed", str(a.seed)], check=True)
    ref = json.load(open(keras_json))
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "all the CPU has")
    lines = [
        f"Seed-3 recipe, VGG16 {a.size} px with augmentation, batch {a.batch}, {a.epochs} epochs, "
        f"{ours['train_images']} train / {ours['validation_images']} validation images, oneDNN ISA: {isa}",
        "",
        "| measure | workbook | keras | ratio | target |",
        "|---|---|---|---|---|",
        f"| wall time, s | {ours['seconds']:.1f} | {ref['seconds']:.1f} | {ours['seconds'] / ref['seconds']:.2f} | <= 0.8x |",
        f"| val accuracy (random base) | {ours['val_accuracy']:.4f} | {ref['val_accuracy']:.4f} | | |",
        f"| peak RSS, MiB | {ours['peak_rss_mib']} | {ref['peak_rss_mib']} | {ours['peak_rss_mib'] / ref['peak_rss_mib']:.2f} | |",
    ]
    write_table(out, lines)


if __name__ == "__main__":
    main()
