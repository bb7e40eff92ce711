package org.tlworkbook.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * One {@code python3} per test JVM that has imported Keras, for the comparisons with Keras where Python has it: each
 * script started on its own paid 3-5 s to import TensorFlow and Keras. Scripts run as {@code python3 -c} would run
 * them, after {@code keras.backend.clear_session()} (see {@code src/test/python/keras_worker.py}).
 */
public final class KerasWorker {
    private static Process process;
    private static Writer requests;
    private static BufferedReader replies;
    private static Path log;

    private KerasWorker() { }

    /** What {@code script} printed, run with {@code args} as {@code sys.argv[1:]}; fails the test with its traceback when it fails. */
    public static synchronized String run(String script, String... args) throws IOException {
        if (process == null || !process.isAlive()) start();
        StringBuilder line = new StringBuilder(encode(script));
        for (String arg : args) line.append(' ').append(encode(arg));
        requests.write(line.append('\n').toString());
        requests.flush();
        String reply = replies.readLine();
        if (reply == null) {
            process = null;
            throw new AssertionError("the Keras worker ended:\n" + Files.readString(log));
        }
        int space = reply.indexOf(' ');
        String printed = new String(Base64.getDecoder().decode(reply.substring(space + 1)), StandardCharsets.UTF_8);
        if (!reply.startsWith("ok ")) throw new AssertionError("the script failed:\n" + printed);
        return printed;
    }

    private static void start() throws IOException {
        log = Files.createTempFile("keras-worker", ".log");
        log.toFile().deleteOnExit();
        process = new ProcessBuilder("python3", "src/test/python/keras_worker.py").redirectError(log.toFile()).start();
        requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Process started = process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroy));
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
