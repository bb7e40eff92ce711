package org.tlworkbook.classroom;

import org.nd4j.shade.jackson.core.JsonFactory;
import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.core.JsonToken;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a submitted notebook as data, never as a link, and at a cost bounded by the grader, not the file: the
 * file must be a regular file with one name (a symbolic link, a hard link to a file elsewhere, a device or a FIFO
 * is refused, each with its reason); the JSON is streamed, saved outputs and attachments are skipped without
 * being kept, and reading stops past a size cap. What is left is each cell's type, metadata and source.
 */
final class SubmissionReader {
    /** Bytes read from one notebook file at most (saved outputs included, though they are dropped). */
    static final long MAX_FILE_BYTES = 512L << 20;
    /** Cell sources and metadata kept from one notebook at most. */
    static final long MAX_KEPT_CHARS = 4L << 20;

    private SubmissionReader() { }

    /** A submitted cell, outputs dropped. */
    record Cell(String type, JsonNode metadata, String source) { }

    /** Why {@code file} cannot be taken as a submission, or null when it is a plain file. */
    static String refusal(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) return file.getFileName() + " is a symbolic link, not a notebook: submit the file itself, not a link to one";
            if (a.isDirectory()) return file.getFileName() + " is a folder, not a notebook";
            if (!a.isRegularFile()) return file.getFileName() + " is not a regular file (a device, FIFO or socket): submit the notebook file itself";
            Object links = Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            if (links instanceof Number n && n.intValue() > 1) {
                return file.getFileName() + " is a hard link to a file that has " + n.intValue() + " names: submit a copy of the notebook, not a link to one";
            }
            return null;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return file.getFileName() + " cannot be read (" + e.getMessage() + "): check its permissions and submit again";
        }
    }

    /** The cells of {@code file}, or an exception whose message says why it cannot be graded. */
    static List<Cell> read(Path file) throws IOException {
        return read(file, MAX_FILE_BYTES);
    }

    /** {@link #read(Path)} reading at most {@code maxBytes} of the file. */
    static List<Cell> read(Path file, long maxBytes) throws IOException {
        String refused = refusal(file);
        if (refused != null) throw new IOException(refused);
        String name = file.getFileName().toString();
        try (InputStream raw = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
             InputStream in = new Capped(raw, maxBytes, name)) {
            var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            JsonParser p = new JsonFactory().createParser(new java.io.InputStreamReader(in, decoder));
            List<Cell> cells = null;
            long kept = 0;
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException(name + " is not a Jupyter notebook (no JSON object)");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken t = p.nextToken();
                if (!"cells".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) throw new IOException(name + " has no list of cells: it is not a Jupyter notebook");
                cells = new ArrayList<>();
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    String type = "";
                    JsonNode metadata = Exercises.JSON.createObjectNode();
                    StringBuilder source = new StringBuilder();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.getCurrentName();
                        JsonToken v = p.nextToken();
                        switch (key) {
                            case "cell_type" -> type = p.getValueAsString("");
                            case "metadata" -> {
                                if (v == JsonToken.START_OBJECT) {
                                    ObjectNode all = Exercises.JSON.readTree(p);
                                    ObjectNode keep = Exercises.JSON.createObjectNode();
                                    for (String k : List.of("nbgrader", "workbook")) if (all.has(k)) keep.set(k, all.get(k));
                                    metadata = keep;
                                    kept += keep.toString().length();
                                } else {
                                    p.skipChildren();
                                }
                            }
                            case "source" -> {
                                if (v == JsonToken.VALUE_STRING) source.append(p.getText());
                                else if (v == JsonToken.START_ARRAY) {
                                    while (p.nextToken() == JsonToken.VALUE_STRING) {
                                        source.append(p.getText());
                                        if (kept + source.length() > MAX_KEPT_CHARS) break;
                                    }
                                    if (p.currentToken() != JsonToken.END_ARRAY) p.skipChildren();
                                } else p.skipChildren();
                            }
                            default -> p.skipChildren(); // outputs, attachments, execution counts: dropped unread
                        }
                        if (kept + source.length() > MAX_KEPT_CHARS) {
                            throw new IOException(name + "'s cells hold more than " + (MAX_KEPT_CHARS >> 20) + " MiB of code and metadata: "
                                    + "clear large cells and submit again");
                        }
                    }
                    kept += source.length(); // once per cell: the check above counted it as it grew
                    cells.add(new Cell(type, metadata, source.toString()));
                }
            }
            if (cells == null) throw new IOException(name + " has no cells: it is not a Jupyter notebook");
            return cells;
        } catch (CharacterCodingException e) {
            throw new IOException(name + " is not UTF-8 text, so not a notebook Jupyter saved: open it in Jupyter, save, and submit again");
        } catch (TooLarge e) {
            throw new IOException(e.getMessage());
        } catch (org.nd4j.shade.jackson.core.JsonProcessingException e) {
            if (e.getCause() instanceof CharacterCodingException) {
                throw new IOException(name + " is not UTF-8 text, so not a notebook Jupyter saved: open it in Jupyter, save, and submit again");
            }
            throw new IOException(name + " is not valid notebook JSON (truncated or edited by hand?): "
                    + Check.cut(String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse(""), 200) + ". Open it in Jupyter, save, and submit again");
        }
    }

    private static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }

    /** Fails once more than {@code cap} bytes were read. */
    private static final class Capped extends FilterInputStream {
        private final long cap;
        private final String name;
        private long read;

        Capped(InputStream in, long cap, String name) {
            super(in);
            this.cap = cap;
            this.name = name;
        }

        private void count(long n) throws TooLarge {
            if (n > 0) read += n;
            if (read > cap) throw new TooLarge(name + " is larger than " + (cap >> 20) + " MiB: clear its outputs (Kernel > Restart & Clear Output), save, and submit again");
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count(n);
            return n;
        }
    }

    /** The cells of the instructor's notebook, in the same shape. */
    static List<Cell> cells(JsonNode doc) {
        List<Cell> out = new ArrayList<>();
        for (JsonNode c : doc.path("cells")) {
            ObjectNode meta = Exercises.JSON.createObjectNode();
            for (String k : List.of("nbgrader", "workbook")) if (c.path("metadata").has(k)) meta.set(k, c.path("metadata").get(k));
            out.add(new Cell(c.path("cell_type").asText(), meta, org.tlworkbook.notebook.internal.NotebookJson.text(c.get("source"))));
        }
        return out;
    }
}
