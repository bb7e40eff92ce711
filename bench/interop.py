#!/usr/bin/env python3
"""Models that leave the workbook, checked by other runtimes on real cats-vs-dogs data (a dev script, not a test).

    WORKBOOK_MIRROR=../shared/data python3 bench/interop.py [--out build/interop] [--size 128] [--epochs 10 --fine-epochs 10]

1. trains a classifier with the CLI on the quick profile's data (200 images per class, 128 px, 10 + 10 epochs);
2. exports it with `./workbook export` as ONNX and as a Keras .h5;
3. gives 16 validation images (resized to the model's size first, so every runtime reads the same pixels) to
   - the workbook (`./workbook predict`),
   - Keras 3 `load_model` of the .h5,
   - TFLite, converted from that Keras model as seed 000 does (`TFLiteConverter.from_keras_model`),
   - onnxruntime (Python) on the .onnx;
4. builds seed 000's classifier in Keras (MobileNetV2 with ImageNet weights + GAP + Dense(64, relu) + Dense(3, sigmoid),
   pixels rescaled by 1/255 as the seed does), saves it with `model.save("x.h5")`, and has the workbook import and run it
   (`./workbook predict --model x.h5 --classes ... --preprocessing rescale`).
Prints the largest absolute probability difference of each against the workbook, with the targets of issue 21, and writes
the figures to OUT/interop.json. Needs tensorflow-cpu, onnxruntime and pillow (all in the local wheel index).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def workbook(*args):
    started = time.time()
    print("$ ./workbook " + " ".join(args), flush=True)
    done = subprocess.run([os.path.join(REPO, "workbook"), *args], text=True, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"./workbook {args[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    print(f"  ({time.time() - started:.1f} s)", flush=True)
    return done.stdout


def predictions_csv(path, columns):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([[float(r[c]) for c in columns] for r in rows], dtype=np.float64), [r["path"] for r in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(REPO, "build", "interop"))
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--limit-per-class", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--fine-epochs", type=int, default=10)
    parser.add_argument("--images", type=int, default=16)
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    size = args.size

    # 1-2: train on real data, export
    run = os.path.join(out, "train")
    if not os.path.exists(os.path.join(run, "model.zip")):
        workbook("train", "--dataset", "cats_and_dogs_filtered", "--size", str(size), "--limit-per-class", str(args.limit_per_class),
                 "--epochs", str(args.epochs), "--fine-epochs", str(args.fine_epochs), "--out", run)
    model_zip = os.path.join(run, "model.zip")
    onnx_file, h5_file = os.path.join(out, "model.onnx"), os.path.join(out, "model.h5")
    workbook("export", "--model", model_zip, "--format", "onnx", "--out", onnx_file)
    workbook("export", "--model", model_zip, "--format", "keras", "--out", h5_file)

    # 3: the same pixels for every runtime
    data = os.environ.get("WORKBOOK_DATA") or os.path.join(REPO, "data")
    validation = os.path.join(data, "cats_and_dogs_filtered", "validation")
    images = os.path.join(out, "images")
    paths = []
    for cls in ("cats", "dogs"):
        os.makedirs(os.path.join(images, cls), exist_ok=True)
        for name in sorted(os.listdir(os.path.join(validation, cls)))[: args.images // 2]:
            target = os.path.join(images, cls, os.path.splitext(name)[0] + ".png")
            Image.open(os.path.join(validation, cls, name)).convert("RGB").resize((size, size), Image.BILINEAR).save(target)
            paths.append(target)
    pixels = np.stack([np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) for p in paths])
    x = pixels * np.float32(1 / 127.5) - np.float32(1)  # MobileNetV2's preprocess_input, as the workbook scales

    ours_csv = os.path.join(out, "workbook.csv")
    workbook("predict", "--model", model_zip, "--out", ours_csv, *paths)
    ours, order = predictions_csv(ours_csv, ["p_dogs"])
    assert order == paths, "the workbook's rows follow the images"

    import keras
    import tensorflow as tf
    import onnxruntime as ort

    figures = {"images": len(paths), "size": size}
    model = keras.models.load_model(h5_file, compile=False)
    k = model.predict(x, verbose=0).astype(np.float64)
    figures["keras_load_model_max_abs_diff"] = float(np.abs(k - ours).max())

    tflite = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    tflite_file = os.path.join(out, "model.tflite")
    with open(tflite_file, "wb") as f:
        f.write(tflite)
    interpreter = tf.lite.Interpreter(model_content=tflite)
    inp, outp = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(inp["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    t = interpreter.get_tensor(outp["index"]).astype(np.float64)
    figures["tflite_max_abs_diff"] = float(np.abs(t - ours).max())
    figures["tflite_bytes"] = os.path.getsize(tflite_file)

    session = ort.InferenceSession(onnx_file)
    o = session.run(None, {"image": x})[0].astype(np.float64)
    figures["onnxruntime_max_abs_diff"] = float(np.abs(o - ours).max())
    figures["onnx_metadata"] = session.get_modelmeta().custom_metadata_map
    figures["onnx_bytes"] = os.path.getsize(onnx_file)
    figures["h5_bytes"] = os.path.getsize(h5_file)

    # 4: seed 000's classifier, built and saved by Keras, run by the workbook
    mirror = os.environ.get("WORKBOOK_MIRROR", "")
    weights = os.path.join(mirror, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5")
    keras.utils.set_random_seed(0)
    base = keras.applications.MobileNetV2(input_shape=(size, size, 3), include_top=False,
                                          weights=weights if os.path.isfile(weights) else "imagenet")
    base.trainable = False
    seed = keras.Sequential([base, keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(64, activation="relu"),
                             keras.layers.Dense(3, activation="sigmoid")])
    seed.build((None, size, size, 3))
    seed_file = os.path.join(out, "mobilenetv2_surfing.h5")
    seed.save(seed_file)
    s = seed.predict(pixels / np.float32(255), verbose=0).astype(np.float64)
    seed_csv = os.path.join(out, "seed000.csv")
    workbook("predict", "--model", seed_file, "--classes", "kitesurfing,surfing,windsurfing", "--preprocessing", "rescale",
             "--out", seed_csv, *paths)
    imported, _ = predictions_csv(seed_csv, ["p_kitesurfing", "p_surfing", "p_windsurfing"])
    figures["keras_seed000_import_max_abs_diff"] = float(np.abs(s - imported).max())
    figures["keras_seed000_spread"] = float((s.max(0) - s.min(0)).max())
    figures["workbook_p_dogs_spread"] = float(ours.max() - ours.min())

    targets = {"keras_load_model_max_abs_diff": 1e-4, "tflite_max_abs_diff": 1e-3, "onnxruntime_max_abs_diff": 1e-4,
               "keras_seed000_import_max_abs_diff": 1e-4}
    print(f"\n{len(paths)} validation images at {size} px (versions: keras {keras.__version__}, tensorflow {tf.__version__}, "
          f"onnxruntime {ort.__version__})")
    print(f"{'check':40s} {'max abs diff':>14s} {'target':>8s}")
    ok = True
    for key, target in targets.items():
        good = figures[key] <= target
        ok &= good
        print(f"{key:40s} {figures[key]:14.2e} {target:8.0e} {'ok' if good else 'OVER'}")
    print(f"sizes: model.onnx {figures['onnx_bytes']:,} B, model.h5 {figures['h5_bytes']:,} B, model.tflite {figures['tflite_bytes']:,} B")
    print(f"spread of the probabilities compared (so agreeing means something): workbook p_dogs {figures['workbook_p_dogs_spread']:.3f}, "
          f"seed 000 {figures['keras_seed000_spread']:.3f}")
    with open(os.path.join(out, "interop.json"), "w") as f:
        json.dump(figures, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
