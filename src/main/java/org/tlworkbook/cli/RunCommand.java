package org.tlworkbook.cli;

import org.tlworkbook.notebook.Gallery;
import org.tlworkbook.notebook.NotebookRunner;
import org.tlworkbook.notebook.Profile;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./workbook run [--profile quick] [--html]}: executes every notebook headlessly into build/notebooks/;
 * with {@code --html} also writes them as a readable site into build/site/.
 */
final class RunCommand {
    private RunCommand() { }

    static int run(Args args) throws Exception {
        String profile = args.get("profile", System.getenv().getOrDefault("WORKBOOK_PROFILE", Profile.DEFAULT));
        Path notebooks = args.path("notebooks", Home.resolve("notebooks").toString());
        Path out = args.path("out", "build/notebooks");
        boolean html = args.flag("html");
        Path site = args.path("site", "build/site");
        args.done();
        args.noPositional("run");
        Profile.named(profile);
        if (!java.nio.file.Files.isDirectory(notebooks)) throw new IllegalArgumentException("--notebooks " + notebooks + ": no such folder");
        if (NotebookRunner.notebooks(notebooks).isEmpty()) throw new IllegalArgumentException("--notebooks " + notebooks + " holds no notebooks (*.ipynb)");
        Outputs.folder("out", out);
        if (html) Outputs.folder("site", site);
        System.setProperty("workbook.profile", profile);
        System.setProperty("workbook.notebook", "true");
        System.out.println("Running " + notebooks + " with " + Profile.named(profile) + "; executed notebooks go to " + out);
        List<NotebookRunner.Result> results = NotebookRunner.runAll(notebooks, out);
        boolean ok = results.stream().allMatch(NotebookRunner.Result::ok);
        if (html) {
            Gallery.write(results.stream().map(NotebookRunner.Result::output).toList(), site);
            System.out.println("Wrote " + results.size() + " pages and index.html to " + site);
        }
        System.out.println(ok ? "All " + results.size() + " notebooks ran." : "A notebook failed; see its error above and in " + out);
        return ok ? 0 : 1;
    }
}
