package org.tlworkbook.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A tiny HTTP server on 127.0.0.1 serving byte arrays by path, with optional Range support. */
public final class LoopbackServer implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, Integer> cutAfter = new ConcurrentHashMap<>();
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public volatile boolean rangeSupported = true;

    public LoopbackServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public LoopbackServer serve(String path, byte[] body) {
        files.put(path, body);
        return this;
    }

    /** Announces the full length but closes the connection after {@code bytes} bytes. */
    public LoopbackServer breakAfter(String path, int bytes) {
        cutAfter.put(path, bytes);
        return this;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(path + (range == null ? "" : " " + range));
        byte[] body = files.get(path);
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        int from = 0;
        int status = 200;
        if (range != null && rangeSupported && range.startsWith("bytes=")) {
            from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            status = 206;
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        }
        ex.sendResponseHeaders(status, body.length - from);
        Integer cut = cutAfter.remove(path);
        try (OutputStream out = ex.getResponseBody()) {
            int end = cut == null ? body.length : Math.min(body.length, from + cut);
            out.write(body, from, end - from);
            out.flush();
        } catch (IOException ignored) {
            // the client went away
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
