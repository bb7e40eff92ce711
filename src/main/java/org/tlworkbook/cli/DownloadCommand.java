package org.tlworkbook.cli;

import org.tlworkbook.data.Dataset;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;

import java.nio.file.Path;

/** {@code ./workbook download}: fetch, verify and extract a dataset, then print its class counts. */
final class DownloadCommand {
    private DownloadCommand() { }

    static int run(Args args) throws Exception {
        Dataset dataset = Dataset.named(args.get("dataset", "cats_and_dogs_filtered"));
        args.done();
        args.noPositional("download");
        Path root = dataset.load(Progress.console());
        System.out.println("Dataset ready at " + root);
        for (String split : new String[]{"train", "validation"}) {
            Path dir = root.resolve(split);
            if (dir.toFile().isDirectory()) {
                ImageFolder folder = ImageFolder.from(dir);
                System.out.println(split + ": " + folder.report());
            }
        }
        return 0;
    }
}
