package org.tlworkbook.notebook;

import org.tlworkbook.notebook.internal.NotebookJson;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A notebook stopped by a missing file says so in one sentence, in its page and in the gallery's index. */
class GalleryTest {
    @TempDir
    Path tmp;

    private Path notebook(String name, String... cells) throws Exception {
        StringBuilder json = new StringBuilder("{\"nbformat\":4,\"nbformat_minor\":5,\"metadata\":{},\"cells\":[");
        json.append("{\"cell_type\":\"markdown\",\"id\":\"t\",\"metadata\":{},\"source\":\"# ").append(name).append("\"}");
        int i = 0;
        for (String c : cells) {
            json.append(",{\"cell_type\":\"code\",\"id\":\"c").append(i++).append("\",\"metadata\":{},\"execution_count\":null,\"outputs\":[],\"source\":")
                    .append(NotebookJson.JSON.writeValueAsString(c)).append("}");
        }
        Path nb = Files.createDirectories(tmp.resolve("in")).resolve(name + ".ipynb");
        Files.writeString(nb, json.append("]}").toString());
        return nb;
    }

    @Test
    void aMissingFileStopsTheNotebookWithOneSentenceAndTheIndexMarksIt() throws Exception {
        Path ok = notebook("fine", "int x = 1 + 1;");
        Path broken = notebook("broken", "int y = 2;",
                "throw new org.tlworkbook.data.MissingFileException(\"weights.h5 is not here: put it into data/.\");", "int never = 3;");
        NotebookRunner.Result good = NotebookRunner.run(ok, tmp.resolve("out"));
        NotebookRunner.Result bad = NotebookRunner.run(broken, tmp.resolve("out"));
        assertTrue(good.ok(), good.error());
        assertEquals(2, bad.cellsRun());
        assertEquals("cell 2: org.tlworkbook.data.MissingFileException: weights.h5 is not here: put it into data/.", bad.error(),
                "one sentence: no causes, nothing repeated");
        Path site = tmp.resolve("site");
        Gallery.write(List.of(good.output(), bad.output()), site);
        String index = Files.readString(site.resolve("index.html"));
        assertTrue(index.contains("broken</a> <span class=\"error\">(failed: cell 2: org.tlworkbook.data.MissingFileException: weights.h5 is not here"), index);
        assertFalse(index.contains("fine</a> <span"), "a notebook that ran is not marked: " + index);
    }
}
