package org.tlworkbook.classroom;

import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.VarSnippet;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.notebook.NotebookRunner;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one submitted notebook for the grader and decides its verdicts. The submission's code never runs here:
 * each snippet goes to a JShell agent JVM (JDI), and this host sees only what JShell reports of it, the snippet's
 * declarations, exceptions and values. So a submission cannot write the verdict, replace {@link Check} (a cell
 * that declares a name a locked cell uses is seen and loses the checks after it), or reassign a locked cell's
 * variables unseen. Locked cells run as the instructor wrote them, whatever the submission holds in their place;
 * a deleted, retyped or duplicated locked cell costs the checks that follow it. A cell past its time limit is
 * stopped and the rest of that cell does not run, as an interrupted Jupyter cell. Verdicts leave through
 * {@link Signed} lines on this process's standard output.
 */
public final class GradingHost {
    private static final Set<String> ROOTS = Set.of("org", "java", "javax", "jdk", "tech", "System");
    private static final long GRACE_SECONDS = 5;

    private final JsonNode instructor;
    private final JsonNode submitted;
    private final long cellSeconds;
    private final long outputCap;
    private final List<String> agentOptions;
    private final PrintStream channel;
    private final Signed signed;

    private JShell shell;
    private volatile boolean stopped;
    private volatile boolean dead;
    private String deathReason;
    private final CappedOutput output;

    private GradingHost(JsonNode instructor, JsonNode submitted, long cellSeconds, long outputCap, List<String> agentOptions,
                        PrintStream channel, Signed signed) {
        this.instructor = instructor;
        this.submitted = submitted;
        this.cellSeconds = cellSeconds;
        this.outputCap = outputCap;
        this.agentOptions = agentOptions;
        this.channel = channel;
        this.signed = signed;
        this.output = new CappedOutput(outputCap);
    }

    /**
     * {@code grade-notebook CELL_SECONDS OUTPUT_CAP_BYTES [AGENT_JVM_OPTION...]}, started by {@link Grader}: standard
     * input brings three lines, the key, the instructor's notebook and the submission (compact JSON). Exits 0 once
     * the end record is out.
     */
    public static int run(List<String> args) throws IOException {
        if (args.size() < 2) throw new IllegalArgumentException("usage: grade-notebook CELL_SECONDS OUTPUT_CAP [JVM_OPTION...] (started by ./workbook grade)");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String keyLine = in.readLine(), instructorLine = in.readLine(), submissionLine = in.readLine();
        System.in.close();
        if (keyLine == null || instructorLine == null || submissionLine == null) {
            throw new IllegalArgumentException("grade-notebook is started by ./workbook grade (no key and notebooks on standard input)");
        }
        PrintStream channel = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(new PrintStream(OutputStream.nullOutputStream())); // only signed lines go to the channel
        GradingHost host = new GradingHost(Exercises.JSON.readTree(instructorLine), Exercises.JSON.readTree(submissionLine),
                Long.parseLong(args.get(0)), Long.parseLong(args.get(1)), args.subList(2, args.size()), channel,
                new Signed(HexFormat.of().parseHex(keyLine.strip())));
        try {
            host.grade();
        } catch (RuntimeException e) {
            host.emit(record("fatal").put("reason", "the grader failed on this notebook: " + e));
        }
        host.emit(record("end"));
        channel.flush();
        return 0;
    }

    private static ObjectNode record(String type) {
        return Exercises.JSON.createObjectNode().put("type", type);
    }

    private static final long T0 = System.nanoTime();

    private static void debug(String what) {
        if (System.getenv("WORKBOOK_DEBUG") != null) System.err.printf("[host %.1f s] %s%n", (System.nanoTime() - T0) / 1e9, what);
    }

    private void emit(ObjectNode r) {
        debug(r.path("type").asText());
        channel.println(signed.sign(r));
    }

    /** A code cell as it will run: locked cells carry the instructor's source. */
    private record Cell(int index, String gradeId, boolean locked, boolean check, String source, Set<String> forbidden) { }

    private void grade() {
        // the instructor's locked and graded cells, by grade id, in their order
        Map<String, JsonNode> locked = new LinkedHashMap<>();
        List<String> checkOrder = new ArrayList<>();
        Map<String, Integer> position = new HashMap<>();
        int pos = 0;
        for (JsonNode cell : instructor.path("cells")) {
            String id = Exercises.gradeId(cell);
            pos++;
            if (id == null) continue;
            position.put(id, pos);
            if (Exercises.flag(cell, "locked")) locked.put(id, cell);
            if (Exercises.flag(cell, "grade") && !Exercises.flag(cell, "solution")) checkOrder.add(id);
        }
        // what the submission made of them
        Map<String, Integer> seen = new HashMap<>();
        List<Cell> cells = new ArrayList<>();
        int index = 0;
        for (JsonNode cell : submitted.path("cells")) {
            index++;
            String id = Exercises.gradeId(cell);
            JsonNode original = id == null ? null : locked.get(id);
            String type = cell.path("cell_type").asText();
            if (original != null) {
                boolean sameType = original.path("cell_type").asText().equals(type);
                if (sameType) seen.merge(id, 1, Integer::sum);
                if (!"code".equals(original.path("cell_type").asText()) || !sameType) continue;
                cells.add(new Cell(index, id, true, Exercises.flag(original, "grade"), NotebookRunner.text(original.get("source")),
                        forbidden(original)));
            } else if ("code".equals(type)) {
                cells.add(new Cell(index, id, false, false, NotebookRunner.text(cell.get("source")), Set.of()));
            } else if (id != null && Exercises.flag(cell, "solution") && isManual(id)) {
                emit(record("manual").put("grade_id", id).put("answer", cap(NotebookRunner.text(cell.get("source")), 20_000)));
            }
        }
        // a locked cell deleted, retyped, renamed or duplicated: the checks from there on cannot be trusted
        Map<String, String> invalid = new LinkedHashMap<>();
        for (String id : locked.keySet()) {
            int n = seen.getOrDefault(id, 0);
            if (n == 1) continue;
            String why = n == 0 ? "the locked cell '" + id + "' is missing (deleted, or its type or grade_id changed): restore it from the released notebook"
                    : "the locked cell '" + id + "' appears " + n + " times: keep one copy, as released";
            for (String check : checkOrder) if (position.get(check) >= position.get(id)) invalid.putIfAbsent(check, why);
        }
        for (String check : checkOrder) {
            if (!seen.containsKey(check) && !invalid.containsKey(check)) invalid.put(check, "the check cell '" + check + "' is missing: restore it from the released notebook");
        }

        Set<String> studentText = new LinkedHashSet<>();
        for (Cell c : cells) if (!c.locked()) studentText.addAll(Names.all(c.source())); // code only: a comment may say anything
        String studentRaw = String.join("\n", cells.stream().filter(c -> !c.locked()).map(Cell::source).toList());

        debug("planned");
        startShell();
        debug("shell started");
        try {
            Analysis names = analyse(shell.sourceCodeAnalysis());
            debug("analysed");
            String oracle = studentText.contains("Check") || studentText.contains("classroom") || studentRaw.contains("tlworkbook.classroom")
                    ? "your own cells call the checks (Check): checks count only in their locked cells" : null;
            List<String> violations = new ArrayList<>();
            if (oracle != null) violations.add(oracle);
            Map<String, String> identities = new HashMap<>();
            Set<String> graded = new HashSet<>();
            for (Cell cell : cells) {
                if (cell.check() && !graded.add(cell.gradeId())) continue;
                if (cell.check() && invalid.containsKey(cell.gradeId())) {
                    emitCheck(cell, false, invalid.get(cell.gradeId()));
                    continue;
                }
                if (cell.check() && dead) {
                    emitCheck(cell, false, "not run: " + deathReason);
                    continue;
                }
                List<String> against = new ArrayList<>(violations);
                if (cell.check()) {
                    for (String f : cell.forbidden()) {
                        if (studentText.contains(f)) against.add("this exercise asks you not to use " + f + ", and your cells do");
                    }
                    if (!dead) against.addAll(reassigned(cell, names, identities));
                }
                List<SnippetEvent> events = new ArrayList<>();
                String error = dead ? "not run: " + deathReason : execute(cell.source(), events);
                String printed = output.take();
                emitCell(cell, printed, error);
                if (!cell.locked()) violations.addAll(redefinitions(cell, events, names));
                else if (error == null) remember(events, names, identities);
                if (cell.check()) {
                    if (!against.isEmpty()) {
                        emitCheck(cell, false, "not counted: " + String.join("; ", against) + (error == null ? "" : ". The check also failed: " + hint(error)));
                    } else {
                        emitCheck(cell, error == null, error == null ? "passed" : hint(error));
                    }
                }
            }
            for (String check : checkOrder) { // checks the submission no longer runs: deleted, retyped or renamed
                if (!graded.contains(check)) emit(record("check").put("grade_id", check).put("passed", false)
                        .put("feedback", invalid.getOrDefault(check, "the check cell '" + check + "' did not run")));
            }
        } finally {
            closeShell();
        }
    }

    private boolean isManual(String id) {
        for (JsonNode cell : instructor.path("cells")) {
            if (id.equals(Exercises.gradeId(cell))) return Exercises.flag(cell, "grade") && Exercises.flag(cell, "solution");
        }
        return false;
    }

    private static Set<String> forbidden(JsonNode cell) {
        Set<String> names = new LinkedHashSet<>();
        cell.path("metadata").path("workbook").path("forbidden").forEach(n -> names.add(n.asText()));
        return names;
    }

    /** Names the locked cells own: what they declare, the types and packages they use; the instructor's answer variables are the student's. */
    private record Analysis(Set<String> lockedDeclared, Set<String> protectedNames) { }

    private Analysis analyse(SourceCodeAnalysis sca) {
        Set<String> declared = new LinkedHashSet<>(), used = new LinkedHashSet<>(ROOTS), answers = new HashSet<>();
        for (JsonNode cell : instructor.path("cells")) {
            if (!"code".equals(cell.path("cell_type").asText())) continue;
            String source = NotebookRunner.text(cell.get("source"));
            boolean isLocked = Exercises.flag(cell, "locked");
            for (String snippet : snippets(sca, source)) {
                for (Snippet s : sca.sourceToSnippets(snippet)) {
                    String name = declaredName(s);
                    if (name == null && s instanceof jdk.jshell.ImportSnippet imp && isLocked) used.add(imp.name());
                    if (name == null) continue;
                    if (isLocked) declared.add(name);
                    else answers.add(name);
                }
            }
            if (isLocked) for (String n : Names.free(source)) if (Character.isUpperCase(n.charAt(0))) used.add(n);
        }
        Set<String> protectedNames = new LinkedHashSet<>(used);
        protectedNames.addAll(declared);
        protectedNames.removeAll(answers);
        protectedNames.addAll(ROOTS);
        return new Analysis(declared, protectedNames);
    }

    private static String declaredName(Snippet s) {
        if (s instanceof VarSnippet v) return v.name();
        if (s instanceof MethodSnippet m) return m.name();
        if (s instanceof TypeDeclSnippet t) return t.name();
        return null;
    }

    private static List<String> snippets(SourceCodeAnalysis sca, String source) {
        List<String> out = new ArrayList<>();
        String remaining = source;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(remaining);
            if (info.source() == null || info.source().isBlank()) break;
            out.add(info.source());
            remaining = info.remaining();
        }
        return out;
    }

    /** What a student cell declared or assigned that belongs to the locked cells. */
    private List<String> redefinitions(Cell cell, List<SnippetEvent> events, Analysis names) {
        List<String> found = new ArrayList<>();
        for (SnippetEvent e : events) {
            Snippet s = e.snippet();
            if (e.causeSnippet() != null || s == null) continue;
            String name = declaredName(s);
            if (name != null && names.protectedNames().contains(name)) {
                found.add("cell " + cell.index() + " declares " + name + ", a name the locked cells use; rename yours");
            }
            if (s instanceof ExpressionSnippet x && s.subKind() == Snippet.SubKind.ASSIGNMENT_SUBKIND && names.lockedDeclared().contains(x.name())) {
                found.add("cell " + cell.index() + " assigns " + x.name() + ", which a locked cell set; use a variable of your own");
            }
        }
        return found;
    }

    /** Identity (or value, for primitives) of every variable a locked cell just declared. */
    private void remember(List<SnippetEvent> events, Analysis names, Map<String, String> identities) {
        for (SnippetEvent e : events) {
            if (e.causeSnippet() == null && e.snippet() instanceof VarSnippet v) identities.put(v.name(), identity(v.name(), v.typeName()));
        }
    }

    private List<String> reassigned(Cell check, Analysis names, Map<String, String> identities) {
        List<String> found = new ArrayList<>();
        for (String n : Names.free(check.source())) {
            String before = identities.get(n);
            if (before == null) continue;
            String type = shell.variables().filter(v -> v.name().equals(n)).reduce((a, b) -> b).map(VarSnippet::typeName).orElse("");
            String now = identity(n, type);
            if (!before.equals(now)) found.add(n + " was changed after the locked cell that set it; use a variable of your own");
        }
        return found;
    }

    private String identity(String name, String type) {
        boolean primitive = Set.of("int", "long", "double", "float", "boolean", "char", "short", "byte").contains(type);
        String expression = primitive ? "java.lang.String.valueOf(" + name + ")" : "java.lang.System.identityHashCode(" + name + ")";
        try {
            for (SnippetEvent e : shell.eval(expression)) {
                if (e.causeSnippet() == null) return e.exception() != null ? "error" : String.valueOf(e.value());
            }
        } catch (IllegalStateException e) {
            return "dead";
        }
        return "none";
    }

    private void emitCell(Cell cell, String printed, String error) {
        ObjectNode r = record("cell").put("index", cell.index()).put("locked", cell.locked()).put("source", cap(cell.source(), 100_000))
                .put("output", printed);
        if (cell.gradeId() != null) r.put("grade_id", cell.gradeId());
        if (error != null) r.put("error", error);
        emit(r);
    }

    private void emitCheck(Cell cell, boolean passed, String feedback) {
        emit(record("check").put("grade_id", cell.gradeId()).put("passed", passed).put("feedback", feedback));
    }

    /** The hint of a failed check, or the error as it was. */
    private static String hint(String error) {
        String prefix = Check.Hint.class.getName() + ": ";
        return error.startsWith(prefix) ? error.substring(prefix.length()) : error;
    }

    private void startShell() {
        List<String> options = new ArrayList<>(agentOptions);
        options.add("-XX:+DisableAttachMechanism");
        options.add("-Djava.io.tmpdir=" + Path.of("tmp").toAbsolutePath());
        try {
            Files.createDirectories(Path.of("tmp"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        PrintStream toCell = new PrintStream(output, true, StandardCharsets.UTF_8);
        shell = JShell.builder().executionEngine("jdi:launch(true)").remoteVMOptions(options.stream().map(GradingHost::quoted).toArray(String[]::new))
                .out(toCell).err(toCell).build();
        shell.onShutdown(s -> {
            if (!dead) die("the notebook's Java process ended (System.exit, halt or a crash)");
        });
        debug("agent up");
        shell.addToClasspath(System.getProperty("java.class.path")); // one call: the agent splits it as a class path
    }

    private static String quoted(String option) {
        return option.contains(" ") ? "\"" + option + "\"" : option;
    }

    private synchronized void die(String reason) {
        if (dead) return;
        dead = true;
        deathReason = reason;
    }

    private void closeShell() {
        try {
            if (shell != null) shell.close();
        } catch (RuntimeException e) {
            // already gone
        }
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    }

    /** Runs a cell's snippets in order until one fails; returns the error, or null. Stops the cell at its time limit. */
    private String execute(String source, List<SnippetEvent> events) {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cell-time-limit");
            t.setDaemon(true);
            return t;
        });
        stopped = false;
        ScheduledFuture<?> limit = watchdog.schedule(() -> {
            stopped = true;
            try {
                shell.stop();
            } catch (RuntimeException e) {
                // the agent is gone already
            }
            watchdog.schedule(() -> { // a cell that catches the interruption and goes on: end the kernel, as Jupyter's restart would
                die("cell ran past its time limit of " + cellSeconds + " s and ignored the interruption; the kernel was stopped");
                ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            }, GRACE_SECONDS, TimeUnit.SECONDS);
        }, cellSeconds, TimeUnit.SECONDS);
        try {
            SourceCodeAnalysis sca = shell.sourceCodeAnalysis();
            String remaining = source;
            while (!remaining.isBlank()) {
                SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(remaining);
                String snippet = info.source();
                if (snippet == null || snippet.isBlank() || info.completeness() == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE) {
                    return "incomplete code: " + cap(remaining.strip(), 300);
                }
                remaining = info.remaining();
                List<SnippetEvent> got;
                try {
                    got = shell.eval(snippet);
                } catch (IllegalStateException e) {
                    die("the notebook's Java process ended (System.exit, halt or a crash)");
                    return "the notebook's Java process ended while this cell ran";
                }
                events.addAll(got);
                if (stopped) return timedOut();
                if (dead) return deathReason;
                for (SnippetEvent e : got) {
                    if (e.causeSnippet() != null) continue;
                    if (e.exception() != null) return cap(NotebookRunner.describe(e.exception()), 4000);
                    if (e.status() == Snippet.Status.REJECTED) {
                        StringBuilder d = new StringBuilder();
                        shell.diagnostics(e.snippet()).forEach(x -> d.append(x.getMessage(null)).append("; "));
                        return "does not compile: " + cap(snippet.strip(), 300) + " -- " + d;
                    }
                }
            }
            return stopped ? timedOut() : null;
        } finally {
            limit.cancel(false);
            watchdog.shutdownNow();
        }
    }

    private String timedOut() {
        return "stopped: the cell ran longer than its time limit of " + cellSeconds + " s (an endless loop?); the rest of the cell did not run";
    }

    static String cap(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + " […]";
    }

    /** What the agent prints, per cell, up to a cap for the whole notebook. */
    private static final class CappedOutput extends OutputStream {
        private final long cap;
        private long total;
        private boolean truncated;
        private java.io.ByteArrayOutputStream cell = new java.io.ByteArrayOutputStream();

        CappedOutput(long cap) {
            this.cap = cap;
        }

        @Override
        public synchronized void write(int b) {
            if (total++ < cap) cell.write(b);
            else truncated = true;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            long room = Math.max(0, cap - total);
            cell.write(b, off, (int) Math.min(room, len));
            if (len > room) truncated = true;
            total += len;
        }

        synchronized String take() {
            String s = cell.toString(StandardCharsets.UTF_8);
            cell = new java.io.ByteArrayOutputStream();
            if (truncated) {
                s += "\n[output cut: the notebook printed more than " + cap + " bytes]\n";
                truncated = false;
            }
            return s;
        }
    }
}
