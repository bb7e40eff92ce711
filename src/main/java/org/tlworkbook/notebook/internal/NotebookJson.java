package org.tlworkbook.notebook.internal;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/** One JSON mapper and nbformat's text fields, shared by the runner, the gallery and the classroom. */
public final class NotebookJson {
    /** The notebook JSON mapper (indented output). */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private NotebookJson() { }

    /** A notebook field that nbformat allows as one string or a list of lines, as one string ("" when absent). */
    public static String text(JsonNode source) {
        if (source == null || source.isNull() || source.isMissingNode()) return "";
        if (source.isArray()) {
            StringBuilder sb = new StringBuilder();
            source.forEach(s -> sb.append(s.asText()));
            return sb.toString();
        }
        return source.asText();
    }
}
