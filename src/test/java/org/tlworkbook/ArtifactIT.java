package org.tlworkbook;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.SyntheticWeights;
import org.tlworkbook.testing.KerasH5;
import org.tlworkbook.testing.Processes;
import org.tlworkbook.testing.TestImages;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The helper as someone outside this repository gets it: the artifact {@code ./mvnw install} puts in the local Maven
 * repository, used by a Maven project the test generates, and by {@code %maven} in plain IJava 1.3.0 and JJava 1.0-a6
 * kernels from {@code ../shared/kernels} (skipped, saying why, without them). Runs after {@code package} (failsafe),
 * when the jars exist; it installs them as {@code install} would, into the local repository this build resolved from.
 * What it made (the executed notebooks, the example's output, the artifact listing) is kept in {@code target/it/}.
 */
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.CONCURRENT) // two at a time: it runs alone after the forks, mostly on one core
class ArtifactIT {
    static final String VERSION = Workbook.version();
    static final String ARTIFACT = "transfer-learning-workbook";
    static final String COORDINATES = "org.tlworkbook:" + ARTIFACT + ":" + VERSION;
    static final Path KEEP = Path.of("target", "it").toAbsolutePath();
    static final Path SHARED = Path.of("..", "shared").toAbsolutePath().normalize();

    @TempDir
    static Path tmp;
    static Path localRepo;
    static Path installed;

    @BeforeAll
    static void install() throws IOException {
        assertNotEquals("unknown", VERSION, "version.properties was not filtered by Maven");
        localRepo = localRepository();
        installed = localRepo.resolve("org/tlworkbook").resolve(ARTIFACT).resolve(VERSION);
        Files.createDirectories(installed);
        String base = ARTIFACT + "-" + VERSION;
        for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar")) {
            Path built = Path.of("target", base + suffix);
            assertTrue(Files.isRegularFile(built), built + " was not built by `package`");
            copy(built, installed.resolve(base + suffix));
        }
        copy(Path.of("pom.xml"), installed.resolve(base + ".pom"));
        Files.createDirectories(KEEP);
        StringBuilder listing = new StringBuilder();
        try (Stream<Path> files = Files.list(installed)) {
            for (Path f : files.sorted().toList()) listing.append(String.format("%,12d  %s%n", Files.size(f), localRepo.relativize(f)));
        }
        Files.writeString(KEEP.resolve("artifact-files.txt"), listing);
        System.out.println("Installed into " + localRepo + ":\n" + listing);
    }

    /** The local repository this build resolved from: the folder above a dependency jar's Maven path. */
    static Path localRepository() {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String marker = "/org/nd4j/nd4j-api/";
            int at = entry.replace(File.separatorChar, '/').indexOf(marker);
            if (at > 0) return Path.of(entry.substring(0, at));
        }
        throw new AssertionError("no nd4j-api jar on the class path to find the local Maven repository by");
    }

    static void copy(Path from, Path to) throws IOException {
        Path part = to.resolveSibling(to.getFileName() + ".part");
        Files.copy(from, part, StandardCopyOption.REPLACE_EXISTING);
        Files.move(part, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void theArtifactHasItsJarSourcesJavadocAndAPomThatBringsOnlyThisPlatformsNatives() throws IOException {
        String base = ARTIFACT + "-" + VERSION;
        try (JarFile jar = new JarFile(installed.resolve(base + ".jar").toFile())) {
            assertNotNull(jar.getEntry("org/tlworkbook/model/Classifier.class"));
            String version = new String(jar.getInputStream(jar.getEntry("org/tlworkbook/version.properties")).readAllBytes());
            assertTrue(version.contains("version=" + VERSION), version);
        }
        try (JarFile sources = new JarFile(installed.resolve(base + "-sources.jar").toFile())) {
            assertNotNull(sources.getEntry("org/tlworkbook/model/Classifier.java"));
            assertNotNull(sources.getEntry("org/tlworkbook/engine/package-info.java"));
        }
        try (JarFile javadoc = new JarFile(installed.resolve(base + "-javadoc.jar").toFile())) {
            assertNotNull(javadoc.getEntry("index.html"));
            String page = new String(javadoc.getInputStream(javadoc.getEntry("org/tlworkbook/model/Classifier.html")).readAllBytes());
            assertTrue(page.contains("fit"), "Classifier's page documents fit");
        }
        String pom = Files.readString(installed.resolve(base + ".pom"));
        assertFalse(pom.contains("-platform</artifactId>"), "a *-platform dependency brings every OS's natives");
        assertTrue(pom.contains("<version>" + VERSION + "</version>"));
    }

    /** A user's own Maven project: a pom with one dependency and a main that loads a base, fits a head and predicts. */
    @Test
    void aMavenProjectThatDependsOnTheArtifactTrainsAndPredicts() throws Exception {
        Path project = tmp.resolve("example");
        Files.createDirectories(project.resolve("src/main/java/example"));
        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>uses-the-workbook</artifactId>
                  <version>1.0</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>org.tlworkbook</groupId>
                      <artifactId>transfer-learning-workbook</artifactId>
                      <version>%s</version>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
                      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version></plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(VERSION));
        Files.writeString(project.resolve("src/main/java/example/Main.java"), EXAMPLE_MAIN);

        Path images = TestImages.folder(tmp.resolve("example-images"), 64, 12, "cat", "dog");
        BaseModel random = MobileNetV2.create(96, 0.35, 5);
        SyntheticWeights.calibrate(random, ImageFolder.from(images).training(random).batchSize(16).build().next().getFeatures());
        Path weights = KerasH5.write(tmp.resolve("mobilenet_v2_0.35_96_no_top.h5"), random, name -> false);

        Path classpath = project.resolve("classpath.txt");
        Path dependencies = project.resolve("dependencies.txt");
        String mvn = Path.of("mvnw").toAbsolutePath().toString();
        run(project, Map.of(), 600, mvn, "-B", "-q", "-o", "-Dmaven.repo.local=" + localRepo,
                "compile", "dependency:build-classpath", "-Dmdep.outputFile=" + classpath,
                "dependency:list", "-DoutputFile=" + dependencies, "-DexcludeTransitive=false");
        String deps = Files.readString(dependencies);
        assertTrue(deps.contains("org.tlworkbook:transfer-learning-workbook:jar:" + VERSION + ":compile"), deps);
        assertTrue(deps.contains("org.nd4j:nd4j-native:jar:linux-x86_64:"), deps);
        assertTrue(deps.contains("org.nd4j:nd4j-native:jar:" + "1.0.0-M2.1"), "the classless nd4j-native jar too:\n" + deps);
        for (String other : List.of("windows", "macosx", "android", "ios-", "linux-arm", "linux-ppc", "nd4j-native-platform",
                "openblas-platform", "javacpp-platform", "dnnl-platform", "opencl-platform", "slf4j-simple", ":mkl", "junit", "onnxruntime")) {
            assertFalse(deps.contains(other), other + " in a user's dependencies:\n" + deps);
        }

        String output = run(project, Map.of(), 600, "java", "-Xmx1g",
                "-cp", project.resolve("target/classes") + File.pathSeparator + Files.readString(classpath).strip(),
                "example.Main", images.toString(), weights.toString());
        Files.writeString(KEEP.resolve("example-project-output.txt"), output);
        System.out.println("Example project:\n" + output);
        assertTrue(output.contains("Epoch 5/5 - "), output);
        assertTrue(output.contains("cat.11.jpg: cat"), "the held-back cat is called a cat:\n" + output);
        assertTrue(output.contains("dog.11.jpg: dog"), "the held-back dog is called a dog:\n" + output);
    }

    /** The example's main, as README shows it (with weights from a file here, where the README downloads ImageNet's). */
    static final String EXAMPLE_MAIN = """
            package example;

            import org.tlworkbook.data.ImageFolder;
            import org.tlworkbook.model.*;
            import java.nio.file.Path;

            public class Main {
                public static void main(String[] args) throws Exception {
                    Path images = Path.of(args[0]);
                    BaseModel base = (args.length > 1 ? MobileNetV2.fromWeights(96, 0.35, Path.of(args[1]))
                                                      : MobileNetV2.imagenet(160)).freeze();
                    ImageFolder folder = ImageFolder.from(images).validationSplit(0.25).seed(42);
                    Classifier model = Classifier.of(base, Head.binary(), folder.classes())
                            .compile(Optimizer.rmsprop(1e-2));
                    model.fit(folder.training(base).batchSize(8).build(), folder.validation(base).batchSize(8).build(), 5);
                    System.out.println(model.predict(images.resolve("cat/cat.11.jpg"), images.resolve("dog/dog.11.jpg")).all());
                }
            }
            """;

    /** {@code %maven} in a plain kernel, in a folder outside the repository, resolving from the local repository only. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ijava", "jjava"})
    void percentMavenInAPlainKernelTrainsAndPredicts(String kernel) throws Exception {
        Path kernels = SHARED.resolve("kernels");
        Assumptions.assumeTrue(Files.isDirectory(kernels), "no ../shared/kernels here: the %maven test needs IJava and JJava from it");
        Assumptions.assumeTrue(Files.isRegularFile(SHARED.resolve("data/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5")),
                "no ImageNet MobileNetV2 weights in ../shared/data");
        Assumptions.assumeTrue(Processes.python("import nbclient, jupyter_client, nbformat"),
                "python3 lacks nbclient/jupyter_client (.ci/run installs them from the local wheel mirror)");

        // A home of its own (a fresh Ivy cache for IJava), whose ~/.m2/repository is the local repository installed into
        Path home = Files.createDirectories(tmp.resolve("home-" + kernel));
        Files.createDirectories(home.resolve(".m2"));
        Files.createSymbolicLink(home.resolve(".m2/repository"), localRepo);
        Path prefix = tmp.resolve("jupyter-" + kernel);
        String name;
        if (kernel.equals("ijava")) {
            run(Path.of("."), Map.of(), 120, "python3", kernels.resolve("ijava/install.py").toString(), "--prefix", prefix.toString());
            name = "java";
        } else {
            Path spec = Files.createDirectories(prefix.resolve("share/jupyter/kernels/jjava"));
            try (Stream<Path> files = Files.list(kernels.resolve("jjava"))) {
                for (Path f : files.toList()) Files.copy(f, spec.resolve(f.getFileName()));
            }
            name = "jjava";
        }
        Path kernelJson = prefix.resolve("share/jupyter/kernels").resolve(name).resolve("kernel.json");
        ObjectNode spec = (ObjectNode) new ObjectMapper().readTree(kernelJson.toFile());
        ArrayNode argv = (ArrayNode) spec.get("argv");
        assertEquals("java", argv.get(0).asText(), "the release's kernelspec starts java: " + spec);
        argv.insert(1, "-Duser.home=" + home);
        // the local repository only: where Maven Central answers, Ivy would otherwise ask it about every POM (30 s of waiting)
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        for (String scheme : List.of("http", "https")) {
            argv.insert(1, "-D" + scheme + ".proxyHost=127.0.0.1");
            argv.insert(1, "-D" + scheme + ".proxyPort=" + closedPort);
        }
        Files.writeString(kernelJson, spec.toPrettyString());

        Path work = Files.createDirectories(tmp.resolve("notebook-" + kernel));
        TestImages.folder(work.resolve("images"), 96, 10, "cat", "dog");
        Path notebook = work.resolve("uses-the-workbook.ipynb");
        Files.writeString(notebook, notebook(name, List.of(
                "%maven " + COORDINATES,
                """
                import org.tlworkbook.data.*;
                import org.tlworkbook.model.*;
                import org.tlworkbook.notebook.Jupyter;
                import java.nio.file.*;
                Jupyter.install();  // one live progress bar per loop, tables as HTML
                ImageFolder folder = ImageFolder.from(Path.of("images")).validationSplit(0.2).seed(42);
                BaseModel base = MobileNetV2.imagenet(224).freeze();
                Classifier model = Classifier.of(base, Head.binary(), folder.classes()).compile(Optimizer.rmsprop(1e-3));
                folder.classes()""",
                """
                model.fit(folder.training(base).batchSize(8).build(), folder.validation(base).batchSize(8).build(), 3);
                model.predict(Path.of("images/cat/cat.9.jpg"), Path.of("images/dog/dog.9.jpg")).all()""")));

        Path out = KEEP.resolve("notebooks-" + kernel);
        Map<String, String> env = new HashMap<>();
        env.put("JUPYTER_PATH", prefix.resolve("share/jupyter").toString());
        env.put("WORKBOOK_DATA", tmp.resolve("data-" + kernel).toString());
        env.put("WORKBOOK_MIRROR", SHARED.resolve("data").toString());
        String log = run(work, env, 900, "python3", Path.of("environment/execute-notebooks.py").toAbsolutePath().toString(),
                "--kernel", name, "--out", out.toString(), "--timeout", "600", notebook.toString());
        JsonNode executed = new ObjectMapper().readTree(out.resolve(notebook.getFileName()).toFile());
        List<String> results = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        for (JsonNode cell : executed.get("cells")) {
            for (JsonNode o : cell.path("outputs")) {
                assertNotEquals("error", o.path("output_type").asText(), kernel + ": " + o + "\n" + log);
                all.append(o).append('\n');
                if (o.path("output_type").asText().equals("execute_result")) {
                    results.add(text(o.path("data").path("text/plain")));
                }
            }
        }
        System.out.println(kernel + " results: " + results);
        assertEquals(2, results.size(), kernel + ": " + all);
        assertEquals("[cat, dog]", results.get(0));
        assertTrue(results.get(1).contains("cat.9.jpg: cat") && results.get(1).contains("dog.9.jpg: dog"),
                kernel + ": the notebook's model calls both images right: " + results.get(1));
        assertTrue(all.toString().contains("Epoch 3/3 - "), kernel + ": " + all);
    }

    static String text(JsonNode node) {
        if (!node.isArray()) return node.asText();
        StringBuilder s = new StringBuilder();
        node.forEach(n -> s.append(n.asText()));
        return s.toString();
    }

    static String notebook(String kernel, List<String> cells) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode nb = json.createObjectNode();
        nb.put("nbformat", 4).put("nbformat_minor", 5);
        ObjectNode spec = nb.putObject("metadata").putObject("kernelspec");
        spec.put("name", kernel).put("display_name", "Java").put("language", "java");
        ArrayNode list = nb.putArray("cells");
        int i = 0;
        for (String source : cells) {
            ObjectNode c = list.addObject();
            c.put("cell_type", "code").put("id", "cell-" + i++).putNull("execution_count");
            c.putObject("metadata");
            c.putArray("outputs");
            c.put("source", source);
        }
        return nb.toPrettyString();
    }

    static String run(Path dir, Map<String, String> env, long timeoutSeconds, String... command) throws Exception {
        return Processes.run(dir, env, timeoutSeconds, command);
    }
}
