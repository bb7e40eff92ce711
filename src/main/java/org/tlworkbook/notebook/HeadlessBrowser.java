package org.tlworkbook.notebook;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Chromium driven over the DevTools protocol: open a page, choose a file in its file input as a user would,
 * read the page's state, take a screenshot. It shows the exported web page in notebook 06 and tests it with a real
 * browser. Needs Chromium on the PATH (Debian's {@code chromium}); {@link #available()} says whether there is one.
 */
public final class HeadlessBrowser implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    private HeadlessBrowser(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The Chromium on the PATH, if any. */
    public static Optional<Path> chromium() {
        for (String name : new String[]{"chromium", "chromium-browser", "google-chrome"}) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Whether {@link #start} can find a browser. */
    public static boolean available() {
        return chromium().isPresent();
    }

    /** Starts a headless Chromium with a {@code width} x {@code height} window and a throw-away profile. */
    public static HeadlessBrowser start(int width, int height) throws IOException {
        Path binary = chromium().orElseThrow(() -> new IllegalStateException(
                "no Chromium on the PATH (Debian: sudo apt-get install chromium): open the page in your own browser instead"));
        Path profile = Files.createTempDirectory("workbook-chromium-");
        Process process = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--window-size=" + width + "," + height, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            URI browser = devToolsAddress(process);
            HttpClient http = HttpClient.newHttpClient();
            URI list = URI.create("http://" + browser.getAuthority() + "/json/list");
            String page = null;
            for (JsonNode target : JSON.readTree(http.send(HttpRequest.newBuilder(list).timeout(CALL_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString()).body())) {
                if (target.path("type").asText().equals("page")) {
                    page = target.path("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (page == null) throw new IOException("Chromium opened no page to drive");
            HeadlessBrowser[] self = new HeadlessBrowser[1];
            WebSocket socket = http.newWebSocketBuilder().connectTimeout(CALL_TIMEOUT).buildAsync(URI.create(page), new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        String message = text.toString();
                        text.setLength(0);
                        if (self[0] != null) self[0].receive(message);
                    }
                    ws.request(1);
                    return null;
                }
            }).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            self[0] = new HeadlessBrowser(process, profile, socket);
            self[0].call("Page.enable", JSON.createObjectNode());
            return self[0];
        } catch (Exception e) {
            process.destroyForcibly();
            deleteTree(profile);
            if (e instanceof IOException io) throw io;
            throw new IOException("could not start headless Chromium: " + e, e);
        }
    }

    /** Chromium prints its DevTools address on stderr once it listens. */
    private static URI devToolsAddress(Process process) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        CompletableFuture<URI> found = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            Pattern listening = Pattern.compile("DevTools listening on (ws://\\S+)");
            StringBuilder seen = new StringBuilder();
            try {
                for (String line; (line = err.readLine()) != null; ) {
                    Matcher m = listening.matcher(line);
                    if (m.find()) found.complete(URI.create(m.group(1)));
                    else if (!found.isDone() && seen.length() < 4000) seen.append(line).append('\n');
                }
            } catch (IOException ignored) {
                // the process ended
            }
            found.completeExceptionally(new IOException("Chromium exited before it listened:\n" + seen));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return found.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(e.getCause() != null ? e.getCause().getMessage() : "Chromium did not start within " + CALL_TIMEOUT.toSeconds() + " s", e);
        }
    }

    private void receive(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            if (!m.has("id")) return;
            CompletableFuture<JsonNode> call = calls.remove(m.get("id").asInt());
            if (call == null) return;
            if (m.has("error")) call.completeExceptionally(new IOException("Chromium: " + m.get("error").path("message").asText()));
            else call.complete(m.path("result"));
        } catch (IOException e) {
            // not a protocol message
        }
    }

    private JsonNode call(String method, ObjectNode params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        calls.put(id, answer);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        try {
            socket.sendText(JSON.writeValueAsString(message), true).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (Exception e) {
            throw new IOException(method + " got no answer from Chromium: " + e, e);
        } finally {
            calls.remove(id);
        }
    }

    /** Opens {@code url} and waits until {@code readyExpression} (JavaScript) is true, failing after {@code timeout}. */
    public void open(URI url, String readyExpression, Duration timeout) throws IOException {
        call("Page.navigate", JSON.createObjectNode().put("url", url.toString()));
        waitUntil(readyExpression, timeout);
    }

    /** The value of a JavaScript expression in the page (promises awaited), as JSON text ({@code null} for undefined). */
    public String evaluate(String expression) throws IOException {
        JsonNode value = value(expression);
        return value.isMissingNode() ? "null" : JSON.writeValueAsString(value);
    }

    /** {@link #evaluate} as a JSON tree. */
    JsonNode value(String expression) throws IOException {
        JsonNode result = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new IOException("the page's script failed on " + expression + ": " + result.get("exceptionDetails").path("exception").path("description").asText(
                    result.get("exceptionDetails").path("text").asText()));
        }
        return result.path("result").path("value");
    }

    /** Polls {@code expression} until it is true. */
    public void waitUntil(String expression, Duration timeout) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (value("Boolean(" + expression + ")").asBoolean()) return;
            if (System.nanoTime() > end) throw new IOException("the page did not reach " + expression + " within " + timeout.toSeconds() + " s");
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** Chooses {@code file} in the page's file input {@code selector}, as a user picking it in the dialog does. */
    public void chooseFile(String selector, Path file) throws IOException {
        JsonNode root = call("DOM.getDocument", JSON.createObjectNode());
        JsonNode node = call("DOM.querySelector", JSON.createObjectNode().put("nodeId", root.path("root").path("nodeId").asInt()).put("selector", selector));
        int nodeId = node.path("nodeId").asInt();
        if (nodeId == 0) throw new IOException("the page has no " + selector);
        ObjectNode params = JSON.createObjectNode().put("nodeId", nodeId);
        params.putArray("files").add(file.toAbsolutePath().toString());
        call("DOM.setFileInputFiles", params);
    }

    /** The window as an image. */
    public BufferedImage screenshot() throws IOException {
        JsonNode shot = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(shot.path("data").asText())));
    }

    @Override
    public void close() {
        try {
            call("Browser.close", JSON.createObjectNode());
        } catch (IOException ignored) {
            // it is stopped below either way
        }
        socket.abort();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(profile);
    }

    private static void deleteTree(Path dir) {
        try {
            org.tlworkbook.data.SafeUnzip.deleteTree(dir);
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
