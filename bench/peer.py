#!/usr/bin/env python3
"""TensorFlow's img/s next to `./workbook bench model`'s, from one run on one machine, as ratios.

Usage (from the repo root; TensorFlow installed, MobileNetV2 no-top weights in ../shared/data or --weights):
    python3 bench/peer.py [--size 160] [--batch 32] [--iterations 5]
    ONEDNN_MAX_CPU_ISA=AVX2 python3 bench/peer.py      # both engines limited to AVX2 (oneDNN honours it in both)

Measures, at batch 32: MobileNetV2 features (`model(x, training=False)` in a tf.function against the workbook's inference pass) and one
fine-tuning step from layer 100 with the frozen prefix run per batch (`train_on_batch` against the workbook's "step,
prefix per batch"). Prints both, the ratio workbook / TensorFlow, the CPU model and the ISA setting.
"""
import argparse, os, re, subprocess, sys, time

WEIGHTS = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"


def tf_figures(weights, size, batch, iterations):
    import numpy as np
    import tensorflow as tf
    keras = tf.keras
    base = keras.applications.MobileNetV2(input_shape=(size, size, 3), include_top=False, weights=weights)
    x = np.random.default_rng(0).uniform(-1, 1, (batch, size, size, 3)).astype("float32")
    infer = tf.function(lambda v: base(v, training=False), autograph=False)  # graph mode, as model.predict runs it (eager is ~2.5x slower)
    for _ in range(2):
        infer(x)
    t0 = time.perf_counter()
    for _ in range(iterations):
        infer(x)
    features = batch * iterations / (time.perf_counter() - t0)

    base.trainable = True
    for layer in base.layers[:100]:
        layer.trainable = False
    inputs = keras.Input((size, size, 3))
    y = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling2D()(base(inputs, training=False)))
    model = keras.Model(inputs, y)
    model.compile(optimizer=keras.optimizers.RMSprop(2e-5), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    labels = np.random.default_rng(1).integers(0, 2, (batch, 1)).astype("float32")
    model.train_on_batch(x, labels)
    t0 = time.perf_counter()
    for _ in range(iterations):
        model.train_on_batch(x, labels)
    step = batch * iterations / (time.perf_counter() - t0)
    return features, step


def workbook_figures(weights, size, batch, iterations):
    out = subprocess.run(["./workbook", "bench", "model", "--size", str(size), "--batch-size", str(batch), "--iterations", str(iterations),
                          "--weights", weights], check=True, capture_output=True, text=True).stdout
    figures = dict((m.group(1).strip(), float(m.group(2))) for m in re.finditer(r"^\s*([^:\n]+): ([0-9.]+) img/s", out, re.M))
    return out, figures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default=os.path.join("..", "shared", "data", WEIGHTS))
    ap.add_argument("--size", type=int, default=160)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--iterations", type=int, default=5)
    a = ap.parse_args()
    weights = os.path.abspath(a.weights)
    if not os.path.exists(weights):
        sys.exit(f"no weights at {weights}: pass --weights")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "all (no ONEDNN_MAX_CPU_ISA)")
    text, ours = workbook_figures(weights, a.size, a.batch, a.iterations)
    tf_features, tf_step = tf_figures(weights, a.size, a.batch, a.iterations)
    feature_key = next((k for k in ours if k.endswith("features (fast inference)")), None)
    step_key = next((k for k in ours if k.endswith("(fast prefix + fast training)")), None)
    print(text)
    print(f"CPU: {cpu}; ISA: {isa}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}; "
          f"WORKBOOK_ONEDNN={os.environ.get('WORKBOOK_ONEDNN', 'on')}")
    print(f"| measure ({a.size} px, batch {a.batch}) | workbook img/s | TensorFlow img/s | ratio |")
    print("|---|---|---|---|")
    for name, key, peer in (("features", feature_key, tf_features), ("fine-tune step, prefix per batch", step_key, tf_step)):
        ours_v = ours.get(key, float("nan"))
        print(f"| {name} | {ours_v:.1f} | {peer:.1f} | {ours_v / peer:.2f}x |")


if __name__ == "__main__":
    main()
