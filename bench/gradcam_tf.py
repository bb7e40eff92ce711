#!/usr/bin/env python3
"""Grad-CAM in TensorFlow, as Keras' example computes it, beside the workbook's (a dev check, not a test of its own).

    python3 bench/gradcam_tf.py DIR

DIR is what `./workbook bench gradcam` (or GradCamTest) writes: model.h5 (the workbook's Keras export), input.f32 (the
preprocessed images, NHWC little-endian float32), heatmaps.f32 (the workbook's maps) and meta.json (n, size, layer,
units, signs, map height and width). For each image, with the output layer's activation removed (Keras' example sets
`model.layers[-1].activation = None`), the score is sign * logits[unit]; GradientTape gives its gradient at the layer;
the map is relu(sum_k mean(grad_k) * A_k) / max. Prints the largest absolute difference from the workbook's maps and
writes it to DIR/tensorflow.json. Needs tensorflow-cpu (in the local wheel index).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402


def main(folder):
    meta = json.load(open(os.path.join(folder, "meta.json")))
    n, size, h, w = meta["n"], meta["size"], meta["height"], meta["width"]
    model = keras.models.load_model(os.path.join(folder, "model.h5"), compile=False)
    model.layers[-1].activation = None
    grad_model = keras.Model(model.inputs[0], [model.get_layer(meta["layer"]).output, model.outputs[0]])
    x = np.fromfile(os.path.join(folder, "input.f32"), dtype="<f4").reshape(n, size, size, 3)
    ours = np.fromfile(os.path.join(folder, "heatmaps.f32"), dtype="<f4").reshape(n, h, w)
    worst = 0.0
    for i in range(n):
        with tf.GradientTape() as tape:
            activation, logits = grad_model(x[i:i + 1])
            score = meta["signs"][i] * logits[:, meta["units"][i]]
        grads = tape.gradient(score, activation)
        pooled = tf.reduce_mean(grads, axis=(0, 1, 2))
        heatmap = tf.squeeze(activation[0] @ pooled[..., tf.newaxis]).numpy().reshape(h, w)
        heatmap = np.maximum(heatmap, 0)
        if heatmap.max() > 0:
            heatmap = heatmap / heatmap.max()
        diff = float(np.abs(heatmap - ours[i]).max())
        worst = max(worst, diff)
        print(f"image {i}: unit {meta['units'][i]} sign {meta['signs'][i]:+d}, max abs difference {diff:.2e}")
    print(f"max abs difference {worst:.3e}")
    json.dump({"max_abs_difference": worst, "images": n, "layer": meta["layer"], "tensorflow": tf.__version__},
              open(os.path.join(folder, "tensorflow.json"), "w"), indent=2)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
