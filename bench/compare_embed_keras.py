#!/usr/bin/env python3
"""Numerical truth check: the workbook's MobileNetV2 features against Keras on the same images.

Usage (from the repo root, TensorFlow from a local pip mirror; never a runtime dependency):
    python3 bench/compare_embed_keras.py WEIGHTS.h5 IMG [IMG ...]
Each image is first resized to 160x160 with PIL and saved as PNG, so both sides see identical pixels;
then `./workbook embed` and Keras `MobileNetV2(include_top=False, weights=None)` + `load_weights`
compute the 1280 pooled features. Prints the maximum absolute difference (target <= 1e-3).
"""
import csv, io, os, subprocess, sys, tempfile

import numpy as np
from PIL import Image

SIZE = 160


def main():
    weights, images = sys.argv[1], sys.argv[2:]
    tmp = tempfile.mkdtemp()
    resized = []
    for i, path in enumerate(images):
        out = os.path.join(tmp, f"img{i}.png")
        Image.open(path).convert("RGB").resize((SIZE, SIZE), Image.BILINEAR).save(out)
        resized.append(out)
    java = subprocess.run(["./workbook", "embed", "--base", "mobilenet_v2", "--size", str(SIZE), "--weights", weights] + resized,
                          check=True, capture_output=True, text=True).stdout
    ours = {row[0]: np.array([float(v) for v in row[1:]], dtype=np.float32) for row in csv.reader(io.StringIO(java)) if row and row[0] != "path"}

    import keras
    model = keras.applications.MobileNetV2(input_shape=(SIZE, SIZE, 3), include_top=False, weights=None, pooling="avg")
    model.load_weights(weights)
    batch = np.stack([np.asarray(Image.open(p), dtype=np.float32) for p in resized])
    theirs = model.predict(keras.applications.mobilenet_v2.preprocess_input(batch), verbose=0)
    worst = max(float(np.max(np.abs(ours[p] - theirs[i]))) for i, p in enumerate(resized))
    scale = float(np.max(np.abs(theirs)))
    print(f"images={len(resized)} max_abs_diff={worst:.3g} max_abs_feature={scale:.3g} target<=1e-3 {'OK' if worst <= 1e-3 else 'FAIL'}")


if __name__ == "__main__":
    main()
