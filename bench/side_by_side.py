#!/usr/bin/env python3
"""Side-by-side bench of the seed-2 recipe: this workbook vs Keras, one after the other on the same machine.

Usage (from the repo root; needs ../shared/data or the same files elsewhere, and TensorFlow for the Keras half):
    python3 bench/side_by_side.py [--shared ../shared/data] [--out build/side_by_side] [--epochs 10 --fine-epochs 10]

Runs `./workbook train` (dataset from the mirror folder, real ImageNet weights) and bench/keras_recipe.py on the
same extracted images, then prints a table: wall seconds per phase, validation accuracy after each phase and peak
RSS, with the ratios the training issue sets as targets (frozen <= 0.2x, fine-tune <= 0.5x, whole <= 0.33x Keras;
accuracy >= Keras - 1 point; peak RSS <= Keras').
"""
import argparse, json, os, subprocess, sys, zipfile

WEIGHTS = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"


def write_table(out, lines):
    """Prints a bench's markdown table and keeps it as OUT/table.md."""
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(table + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join("build", "side_by_side"))
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--fine-epochs", type=int, default=10)
    ap.add_argument("--skip-keras", action="store_true", help="reuse keras.json from an earlier run")
    a = ap.parse_args()
    shared = os.path.abspath(a.shared)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    weights = os.path.join(shared, WEIGHTS)
    data_home = os.path.join(out, "data")

    ours_dir = os.path.join(out, "workbook")
    if os.path.exists(os.path.join(ours_dir, "history.csv")):
        sys.exit(f"{ours_dir} holds an earlier run (it would resume); remove it first")
    env = dict(os.environ, WORKBOOK_MIRROR=shared, WORKBOOK_DATA=data_home)
    subprocess.run(["./workbook", "train", "--dataset", "cats_and_dogs_filtered", "--base", "mobilenet_v2", "--size", "160",
                    "--epochs", str(a.epochs), "--fine-tune-at", "100", "--fine-epochs", str(a.fine_epochs),
                    "--weights", weights, "--out", ours_dir], check=True, env=env)
    ours = json.load(open(os.path.join(ours_dir, "metrics.json")))

    keras_json = os.path.join(out, "keras.json")
    if not a.skip_keras:
        images = os.path.join(out, "keras_images")
        if not os.path.isdir(os.path.join(images, "cats_and_dogs_filtered")):
            with zipfile.ZipFile(os.path.join(shared, "cats_and_dogs_filtered.zip")) as z:
                z.extractall(images)
        subprocess.run([sys.executable, os.path.join("bench", "keras_recipe.py"), "--data",
                        os.path.join(images, "cats_and_dogs_filtered"), "--weights", weights, "--epochs", str(a.epochs),
                        "--fine-epochs", str(a.fine_epochs), "--out", keras_json], check=True)
    ref = json.load(open(keras_json))

    def row(name, mine, theirs, fmt, target):
        ratio = mine / theirs if theirs else float("nan")
        return f"| {name} | {fmt.format(mine)} | {fmt.format(theirs)} | {ratio:.2f} | {target} |"

    whole_ours = ours["seconds_frozen"] + ours["seconds_fine_tune"]
    whole_ref = ref["seconds_frozen"] + ref["seconds_fine_tune"]
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "all the CPU has")
    lines = [
        f"Seed-2 recipe, MobileNetV2 160 px, batch 32, {a.epochs} + {a.fine_epochs} epochs, 2000 train / 1000 validation images, "
        f"oneDNN ISA: {isa}",
        "",
        "| measure | workbook | keras | ratio | target |",
        "|---|---|---|---|---|",
        row("frozen phase, s", ours["seconds_frozen"], ref["seconds_frozen"], "{:.1f}", "<= 0.2x"),
        row("fine-tune phase, s", ours["seconds_fine_tune"], ref["seconds_fine_tune"], "{:.1f}", "<= 0.5x"),
        row("whole recipe, s", whole_ours, whole_ref, "{:.1f}", "<= 0.33x"),
        row("val accuracy after frozen", ours["val_accuracy_frozen"], ref["val_accuracy_frozen"], "{:.4f}", ">= keras - 0.01"),
        row("val accuracy after fine-tune", ours["val_accuracy_fine_tune"], ref["val_accuracy_fine_tune"], "{:.4f}", ">= keras - 0.01"),
        row("peak RSS, MiB", ours["peak_rss_mib"], ref["peak_rss_mib"], "{:d}", "<= keras"),
    ]
    write_table(out, lines)


if __name__ == "__main__":
    main()
