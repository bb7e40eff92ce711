package org.tlworkbook.notebook;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.testing.SmokeFixtures;

import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ./workbook lab --no-browser} as a learner starts it: a JupyterLab server with the workbook kernel,
 * notebook 01 run through that server's kernel, and the JupyterLab page showing it in headless Chromium.
 * Skips, saying why, without ../shared/kernels or JupyterLab for python3 (.ci/run installs it).
 */
@org.junit.jupiter.api.Tag("slow") // sandboxes, kernels, processes or round trips: minutes; -DexcludedGroups=slow leaves them out
class LabTest {
    @TempDir
    static Path tmp;

    static int status(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            return c.getResponseCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void aPortInUseOrAnUnknownKernelIsSaidBeforeAnythingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            AssertionError e = assertThrows(AssertionError.class, () -> RealKernelTest.run(Map.of(), 60, "bash", "workbook", "lab",
                    "--no-browser", "--port", Integer.toString(taken.getLocalPort())));
            assertTrue(e.getMessage().contains("is in use: pass a free one"), e.getMessage());
        }
        AssertionError e = assertThrows(AssertionError.class, () -> RealKernelTest.run(Map.of(), 60, "bash", "workbook", "lab", "--kernel", "python"));
        assertTrue(e.getMessage().contains("--kernel must be ijava or jjava"), e.getMessage());
        AssertionError p = assertThrows(AssertionError.class, () -> RealKernelTest.run(Map.of(), 60, "bash", "workbook", "lab", "--profile", "fast"));
        assertTrue(p.getMessage().contains("--profile must be quick or full, got 'fast'"), p.getMessage());
    }

    @Test
    void labServesTheKernelRunsNotebook01AndShowsItInTheBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(RealKernelTest.KERNELS), "no ../shared/kernels here: the lab test takes its kernel from it");
        Assumptions.assumeTrue(BrowserCheck.python("import jupyterlab, jupyter_client, nbformat"),
                "python3 lacks JupyterLab or jupyter_client (.ci/run installs them from the local wheel mirror)");
        Path notebooks = Files.createDirectories(tmp.resolve("notebooks"));
        Files.copy(Path.of("notebooks/01_dataset_download.ipynb"), notebooks.resolve("01_dataset_download.ipynb"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = tmp.resolve("lab.log");
        ProcessBuilder pb = new ProcessBuilder("bash", "workbook", "lab", "--no-browser", "--port", Integer.toString(port),
                "--notebooks", notebooks.toString(), "--profile", "smoke").redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("WORKBOOK_CLASSPATH", RealKernelTest.helperClasspath());
        env.put("WORKBOOK_DATA", tmp.resolve("data").toString());
        // relative, as a user types it: the kernels run in the notebooks' folder, so lab must resolve it where it was typed
        env.put("WORKBOOK_MIRROR", Path.of("").toAbsolutePath().relativize(SmokeFixtures.mirror(tmp.resolve("fixtures"))).toString());
        env.remove("WORKBOOK_PROFILE"); // --profile reaches the kernel
        env.put("JUPYTER_TOKEN", "workbook-test");
        env.put("JUPYTER_RUNTIME_DIR", tmp.resolve("runtime").toString());
        env.putAll(org.tlworkbook.testing.ChildJvm.sideBySide());
        String base = "http://127.0.0.1:" + port;
        long started = System.nanoTime();
        Process lab = pb.start();
        try {
            while (status(base + "/api/kernelspecs?token=workbook-test") != 200) {
                assertTrue(lab.isAlive(), "lab exited:\n" + Files.readString(log));
                assertTrue(System.nanoTime() - started < 300e9, "lab did not answer within 300 s:\n" + Files.readString(log));
                Thread.sleep(250);
            }
            System.out.printf("./workbook lab answered after %.1f s%n", (System.nanoTime() - started) / 1e9);
            assertFalse(Files.readString(log).contains("Building the helper"),
                    "with WORKBOOK_CLASSPATH, lab builds nothing (inside CI's own Maven build a second one would rewrite target/):\n" + Files.readString(log));
            String specs = new String(URI.create(base + "/api/kernelspecs?token=workbook-test").toURL().openStream().readAllBytes());
            assertTrue(specs.contains("\"workbook-java\""), specs);
            assertTrue(specs.replace(" ", "").contains("\"default\":\"workbook-java\""), "a new notebook gets the Java kernel: " + specs);

            Path executed = notebooks.resolve("01_executed.ipynb");
            Map<String, String> clientEnv = Map.of("JUPYTER_RUNTIME_DIR", tmp.resolve("runtime").toString());
            String out = RealKernelTest.run(clientEnv, 600, "python3", "src/test/python/server_execute.py", base, "workbook-test",
                    "workbook-java", notebooks.resolve("01_dataset_download.ipynb").toString(), executed.toString());
            assertTrue(out.contains(" ok"), out);
            int[] images = new int[1];
            assertEquals(List.of(), NotebookChecks.problems(executed, images));
            assertTrue(images[0] > 0, "notebook 01 shows its sample grid");

            String chromium = BrowserCheck.chromium();
            if (chromium != null) {
                Path shot = Path.of("target", "lab-screenshot.png").toAbsolutePath();
                Files.deleteIfExists(shot);
                BrowserCheck.screenshot(chromium, base + "/lab/tree/01_executed.ipynb?token=workbook-test", shot, 1400, 4400, 30000); // tall enough for the grid below the frame
                java.awt.image.BufferedImage page = javax.imageio.ImageIO.read(shot.toFile());
                assertNotNull(page, "chromium wrote a screenshot");
                assertTrue(BrowserCheck.contains(page, BrowserCheck.firstPng(executed)),
                        "JupyterLab shows notebook 01 with its sample grid: " + shot);
            } else {
                System.out.println("chromium not installed: the JupyterLab screenshot check is skipped (.ci/run installs it)");
            }
        } finally {
            lab.descendants().forEach(ProcessHandle::destroy);
            lab.destroy();
            if (!lab.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                lab.descendants().forEach(ProcessHandle::destroyForcibly);
                lab.destroyForcibly();
            }
        }
        assertTrue(status(base + "/api/kernelspecs?token=workbook-test") < 0, "the server is stopped");
    }
}
