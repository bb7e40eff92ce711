package org.tlworkbook.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a graph and text entries as the zip {@link ModelSerializer} reads (its entry names and encodings),
 * in one pass. {@code ModelSerializer.addObjectToFile} rewrites and recompresses the whole archive for each
 * entry; with a checkpoint after every epoch that cost seconds per epoch. Weights barely compress, so the
 * fastest deflate level is used.
 */
final class ModelArchive {
    private ModelArchive() { }

    static void write(ComputationGraph graph, Path file, Map<String, String> objects) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            zip.setLevel(Deflater.BEST_SPEED);
            entry(zip, "configuration.json", graph.getConfiguration().toJson().getBytes());
            INDArray params = graph.params();
            if (params != null) {
                array(zip, "coefficients.bin", params);
            } else {
                entry(zip, "noParams.marker", new byte[0]);
            }
            var updater = graph.getUpdater();
            INDArray state = updater == null ? null : updater.getStateViewArray();
            if (state != null && state.length() > 0) array(zip, "updaterState.bin", state);
            for (Map.Entry<String, String> e : objects.entrySet()) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                    out.writeObject(e.getValue());
                }
                entry(zip, "objects/" + e.getKey(), bytes.toByteArray());
            }
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    private static void array(ZipOutputStream zip, String name, INDArray a) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FilterOutputStream(zip) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() { } // the zip stays open for the next entry
        }, 1 << 16));
        Nd4j.write(a, out);
        out.flush();
        zip.closeEntry();
    }
}
