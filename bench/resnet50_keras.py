#!/usr/bin/env python3
"""ResNet50, the third base, against Keras on weights Keras wrote (a dev script, not a test).

    python3 bench/resnet50_keras.py [--size 224] [--images 8] [--out build/resnet50]

1. Keras builds `keras.applications.ResNet50(include_top=False, weights=None)` + GlobalAveragePooling2D + Dense(2,
   softmax), sets every batch norm's moving statistics from the test images (random weights would otherwise give every
   image the same output) and saves the classifier whole with `model.save("model.h5")`;
2. writes N photo-sized PNG images at exactly the model's size (smooth random colours, seeded), so both sides read the
   same pixels;
3. Keras predicts them after `keras.applications.resnet50.preprocess_input` (BGR, minus the ImageNet means);
4. the workbook imports the file and predicts the PNGs (`./workbook predict --model model.h5`), scaling them itself with
   ResNet50's row of `Architecture` (caffe preprocessing).
Prints the largest absolute probability difference (target 1e-4) and writes it to OUT/resnet50.json. Needs
tensorflow-cpu and pillow (both in the local wheel index). The optional test `ExportTest.importsClassifiersKerasItselfSaved`
runs the same comparison on a 64 px model where Python has Keras.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from interop import REPO, predictions_csv, workbook  # noqa: E402  (this folder's interop.py: run ./workbook, read its CSV)


def images(out, n, size, seed):
    r = np.random.RandomState(seed)
    paths = []
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        a, b, c = r.uniform(0, 255, (3, 3))
        img = np.stack([a[k] * xx + b[k] * yy + c[k] * (1 - xx) * (1 - yy) for k in range(3)], axis=-1) / 2
        img = np.clip(img + r.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
        path = os.path.join(out, f"image_{i}.png")
        Image.fromarray(img).save(path)
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(REPO, "build", "resnet50"))
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import keras

    keras.utils.set_random_seed(args.seed)
    paths = images(args.out, args.images, args.size, args.seed)
    pixels = np.stack([np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) for p in paths])
    x = keras.applications.resnet50.preprocess_input(pixels.copy())

    base = keras.applications.ResNet50(input_shape=(args.size, args.size, 3), include_top=False, weights=None)
    model = keras.Sequential([base, keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, activation="softmax")])
    model.build((None, args.size, args.size, 3))
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            a = np.asarray(keras.Model(base.inputs, layer.input)(x, training=False))
            layer.moving_mean.assign(a.mean(axis=(0, 1, 2)))
            layer.moving_variance.assign(a.var(axis=(0, 1, 2)) + 1e-3)
    model_file = os.path.join(args.out, "model.h5")
    model.save(model_file)
    expected = model.predict(x, verbose=0)
    spread = float((expected.max(0) - expected.min(0)).max())

    csv_file = os.path.join(args.out, "workbook.csv")
    started = time.time()
    workbook("predict", "--model", model_file, "--classes", "a,b", "--out", csv_file, *paths)
    ours, order = predictions_csv(csv_file, ["p_a", "p_b"])
    assert order == paths, "the workbook's rows follow the images"
    diff = float(np.abs(ours - expected).max())
    figures = {"size": args.size, "images": args.images, "max_abs_diff": diff, "keras_spread": spread,
               "workbook_seconds": round(time.time() - started, 1), "keras": keras.__version__}
    with open(os.path.join(args.out, "resnet50.json"), "w") as f:
        json.dump(figures, f, indent=2)
    print(f"ResNet50 {args.size}px, {args.images} images: Keras predict vs workbook (imported .h5, caffe scaling) "
          f"max abs difference {diff:.2e} (target 1e-4; Keras' probabilities spread {spread:.3f})")
    return 0 if diff <= 1e-4 and spread > 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
