package org.tlworkbook.notebook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves a folder to this machine only (127.0.0.1), as the exported web page needs: browsers refuse WebAssembly from
 * {@code file://}. Read-only, GET and HEAD, nothing outside the folder (no {@code ..}, no link leading out), no listing.
 */
public final class WebServer implements AutoCloseable {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "mjs", "text/javascript; charset=utf-8",
            "json", "application/json", "wasm", "application/wasm", "gz", "application/gzip", "onnx", "application/octet-stream",
            "png", "image/png", "jpg", "image/jpeg", "css", "text/css; charset=utf-8");

    private final Path root;
    private final HttpServer server;
    private final ExecutorService threads;

    private WebServer(Path root, HttpServer server, ExecutorService threads) {
        this.root = root;
        this.server = server;
        this.threads = threads;
    }

    /** Serves {@code dir} on {@code port} of 127.0.0.1 (0: any free port) until {@link #close()}. */
    public static WebServer serve(Path dir, int port) throws IOException {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("no folder " + dir + " to serve");
        if (!Files.isRegularFile(dir.resolve("index.html"))) {
            throw new IllegalArgumentException(dir + " has no index.html: it is not a web site (export --format web --out DIR, or model.exportWeb(dir), writes one)");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("a port is 0-65535; got " + port);
        Path root = dir.toRealPath();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        } catch (java.net.BindException e) {
            throw new IllegalArgumentException("port " + port + " of 127.0.0.1 is in use: give another port, or 0 for any free one");
        }
        ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "web-server");
            t.setDaemon(true);
            return t;
        });
        WebServer web = new WebServer(root, server, threads);
        server.createContext("/", web::handle);
        server.setExecutor(threads);
        server.start();
        return web;
    }

    /** The page's address. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** The folder served. */
    public Path root() {
        return root;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                send(exchange, 405, "only GET and HEAD");
                return;
            }
            Path file = resolve(exchange.getRequestURI().getRawPath());
            if (file == null) {
                send(exchange, 404, "not found");
                return;
            }
            String name = file.getFileName().toString();
            String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT), "application/octet-stream");
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            long size = Files.size(file);
            if (method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", Long.toString(size));
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
            try (InputStream in = Files.newInputStream(file); OutputStream out = exchange.getResponseBody()) {
                in.transferTo(out);
            }
        } catch (IOException e) {
            // the browser went away mid-file; nothing to tell it
        }
    }

    /** The regular file a request path names inside the root, or null. */
    private Path resolve(String rawPath) {
        try {
            String path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
            if (path.indexOf('\0') >= 0 || path.contains("\\")) return null;
            if (path.endsWith("/")) path += "index.html";
            Path file = root.resolve(path.replaceFirst("^/+", "")).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) return null;
            Path real = file.toRealPath();
            return real.startsWith(root) && Files.isRegularFile(real) ? real : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void send(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
