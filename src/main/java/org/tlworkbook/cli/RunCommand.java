package org.tlworkbook.cli;

import org.tlworkbook.notebook.NotebookRunner;
import org.tlworkbook.notebook.Profile;

import java.nio.file.Path;
import java.util.List;

/** {@code ./workbook run [--profile quick]}: executes every notebook headlessly into build/notebooks/. */
final class RunCommand {
    private RunCommand() { }

    static int run(Args args) throws Exception {
        String profile = args.get("profile", System.getenv().getOrDefault("WORKBOOK_PROFILE", "full"));
        Path notebooks = Path.of(args.get("notebooks", "notebooks"));
        Path out = Path.of(args.get("out", "build/notebooks"));
        args.done();
        Profile.named(profile);
        System.setProperty("workbook.profile", profile);
        System.setProperty("workbook.notebook", "true");
        System.out.println("Running " + notebooks + " with " + Profile.named(profile) + "; executed notebooks go to " + out);
        List<NotebookRunner.Result> results = NotebookRunner.runAll(notebooks, out);
        boolean ok = results.stream().allMatch(NotebookRunner.Result::ok);
        System.out.println(ok ? "All " + results.size() + " notebooks ran." : "A notebook failed; see its error above and in " + out);
        return ok ? 0 : 1;
    }
}
