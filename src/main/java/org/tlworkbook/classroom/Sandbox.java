package org.tlworkbook.classroom;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An OS sandbox for one process tree, made by bubblewrap ({@code bwrap}, Flatpak's sandbox): its own user, PID,
 * IPC, UTS, network and mount namespaces, no capabilities, a new session, and death with its parent. It sees the
 * JDK and the system libraries read-only, the mounts it is given, a private {@code /tmp} and the {@code /proc}
 * of its own PID namespace, and nothing else: no project tree, no other submission, no grader process, no
 * network (loopback included). Resource limits (processes, open files, file size, CPU time) are set with
 * {@code prlimit} around it; run as root, it first becomes an unprivileged user of its own ({@code setpriv}),
 * since the kernel does not count root's processes. When the sandbox's first process ends, its PID namespace
 * ends every process it started. The grader also watches its memory and its writable folder from outside.
 */
final class Sandbox {
    /** A host path seen read-only (or writable) at {@code inside}; no host path: a small empty tmpfs there, under what is mounted into it. */
    record Mount(Path host, String inside, boolean writable) { }

    /** Caps for one sandboxed process tree. */
    record Caps(int processes, int openFiles, long fileBytes, long cpuSeconds, long memoryBytes, long diskBytes, int diskFiles) { }

    /** How a sandboxed run ended. */
    record Ended(int exitCode, boolean timedOut, String killedFor, String stderrTail) { }

    static final String JDK = "/jdk";

    /** The size of the sandbox's {@code /dev/shm}: POSIX shared memory, which the graded notebooks do not use. */
    static final long SHM_BYTES = 64L << 20;

    private Sandbox() { }

    private static volatile String problem;
    private static volatile boolean probed;

    /** Null when bubblewrap works here, else what to do about it. */
    static synchronized String problem() {
        if (!probed) {
            problem = problem(System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/bin:/usr/sbin:/sbin");
            probed = true;
        }
        return problem;
    }

    /** {@link #problem()} for the tools found on {@code path}. */
    static String problem(String path) {
        Optional<Path> bwrap = find("bwrap", path), prlimit = find("prlimit", path);
        if (bwrap.isEmpty()) {
            return "bubblewrap is not installed: install it (Debian and Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap), "
                    + "or grade with --no-sandbox, which marks every row as graded without a sandbox";
        }
        if (prlimit.isEmpty() || (root() && find("setpriv", path).isEmpty())) {
            return "prlimit and setpriv (util-linux) are needed to set the sandbox's limits: install util-linux, or grade with --no-sandbox";
        }
        tools.put("bwrap", bwrap.get().toString());
        tools.put("prlimit", prlimit.get().toString());
        find("setpriv", path).ifPresent(p -> tools.put("setpriv", p.toString()));
        try {
            List<String> cmd = new ArrayList<>(prefix(-1));
            cmd.addAll(List.of("--ro-bind", "/", "/", "true"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "bubblewrap cannot make a sandbox here (" + Check.cut(out, 300) + "): user namespaces may be disabled "
                        + "(sysctl kernel.unprivileged_userns_clone=1, or AppArmor's userns restriction), or grade with --no-sandbox";
            }
        } catch (IOException | InterruptedException e) {
            return "bubblewrap cannot run: " + e.getMessage();
        }
        return null;
    }

    private static final Map<String, String> tools = new java.util.concurrent.ConcurrentHashMap<>();

    private static String tool(String name) {
        return tools.getOrDefault(name, name);
    }

    private static Optional<Path> find(String tool, String path) {
        for (String dir : path.split(":")) {
            if (dir.isBlank()) continue;
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name")) || uid() == 0;
    }

    private static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The host uid a sandbox of {@code slot} runs as when the grader is root (one per parallel slot, so limits are not shared). */
    static int uidFor(int slot) {
        return 61000 + slot;
    }

    private static List<String> prefix(int slot) {
        List<String> cmd = new ArrayList<>();
        if (slot >= 0 && root()) {
            int uid = uidFor(slot);
            cmd.addAll(List.of(tool("setpriv"), "--reuid", Integer.toString(uid), "--regid", Integer.toString(uid), "--clear-groups", "--"));
        }
        cmd.addAll(List.of(tool("bwrap"), "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--uid", "65534", "--gid", "65534"));
        return cmd;
    }

    private static List<String> system;

    /**
     * The binds of what every sandbox sees of this machine, read-only: the JDK, the system libraries and the
     * {@code /etc} folders the JDK links to. The same for every sandbox of a run, so found once.
     */
    private static synchronized List<String> system() throws IOException {
        if (system != null) return system;
        List<String> sys = new ArrayList<>();
        Path jdk = Path.of(System.getProperty("java.home")).toRealPath();
        sys.addAll(List.of("--ro-bind", jdk.toString(), JDK));
        List<String> bound = new ArrayList<>();
        for (String lib : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib/x86_64-linux-gnu", "/lib64")) {
            Path p = Path.of(lib);
            if (!Files.isDirectory(p)) continue;
            String real = p.toRealPath().toString();
            if (bound.contains(real)) continue;
            bound.add(real);
            sys.addAll(List.of("--ro-bind", real, real));
        }
        for (String link : List.of("/lib64", "/lib")) {
            Path p = Path.of(link);
            if (Files.isSymbolicLink(p)) sys.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), link));
        }
        // the JDK's configuration files link into /etc (Debian's /etc/java-17-openjdk); only those, never the rest of /etc
        try (var walk = Files.walk(jdk, 4)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!Files.isSymbolicLink(p)) continue;
                Path target = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
                if (target.startsWith("/etc")) {
                    Path top = target.subpath(0, Math.min(2, target.getNameCount()));
                    String dir = "/" + top;
                    if (Files.isDirectory(Path.of(dir)) && !sys.contains(dir)) sys.addAll(List.of("--ro-bind", dir, dir));
                }
            }
        }
        system = List.copyOf(sys);
        return system;
    }

    /** The full command: limits, the sandbox with its mounts, then {@code command} run in {@code workdir} (inside). */
    static List<String> command(int slot, Caps caps, List<Mount> mounts, String workdir, Map<String, String> env, List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(tool("prlimit"), "--nproc=" + caps.processes(), "--nofile=" + caps.openFiles(), "--fsize=" + caps.fileBytes(),
                "--cpu=" + caps.cpuSeconds(), "--core=0", "--"));
        cmd.addAll(prefix(slot));
        cmd.addAll(system());
        // bwrap's own tmpfs mounts (/dev, /tmp) are half the machine's memory each, written by the sandbox's user and seen
        // neither by the memory watch (tmpfs pages are no process's resident size) nor by the disk watch: /dev is made
        // read-only (its device nodes still work), /dev/shm and /tmp get sizes of their own
        cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--size", Long.toString(SHM_BYTES), "--tmpfs", "/dev/shm",
                "--remount-ro", "/dev", "--size", Long.toString(caps.diskBytes()), "--tmpfs", "/tmp"));
        for (Mount m : mounts) {
            if (m.host() == null) cmd.addAll(List.of("--size", Long.toString(64L << 20), "--tmpfs", m.inside()));
            else cmd.addAll(List.of(m.writable() ? "--bind" : "--ro-bind", m.host().toString(), m.inside()));
        }
        cmd.addAll(List.of("--chdir", workdir, "--clearenv"));
        for (Map.Entry<String, String> e : env.entrySet()) cmd.addAll(List.of("--setenv", e.getKey(), e.getValue()));
        cmd.addAll(command);
        return cmd;
    }

    /** A folder the sandbox's user may write: owned by it when the grader is root. */
    static void handOver(Path dir, int slot) throws IOException {
        if (root()) {
            int uid = uidFor(slot);
            try (var walk = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    /**
     * Runs {@code cmd} to its end, its time limit, or a cap it breaks: memory (the resident size of every process
     * of the tree, read from outside) or the size of {@code writable}. Standard output is discarded; the last of
     * standard error is kept for the reason of a crash.
     */
    static Ended run(List<String> cmd, long seconds, Caps caps, Path writable, Path stdout) throws IOException, InterruptedException {
        return supervise(new ProcessBuilder(cmd), seconds, caps, writable, stdout);
    }

    /**
     * {@code --no-sandbox}: the same command as a plain child process in {@code workdir}, with {@code env} added to this
     * process's environment, the same watch on time, memory and disk, and nothing else between it and this machine.
     */
    static Ended runPlain(List<String> cmd, Path workdir, long seconds, Caps caps, Map<String, String> env, Path stdout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workdir.toFile());
        pb.environment().putAll(env);
        return supervise(pb, seconds, caps, workdir, stdout);
    }

    private static Ended supervise(ProcessBuilder pb, long seconds, Caps caps, Path writable, Path stdout) throws IOException, InterruptedException {
        pb.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(stdout.toFile()));
        Process p = pb.start();
        StringBuilder err = new StringBuilder();
        Thread drain = new Thread(() -> {
            try (InputStream in = p.getErrorStream()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (err) {
                        err.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        if (err.length() > 16384) err.delete(0, err.length() - 8192);
                    }
                }
            } catch (IOException e) {
                // ended
            }
        }, "sandbox-stderr");
        drain.setDaemon(true);
        drain.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String killedFor = null;
        boolean timedOut = false;
        int tick = 0;
        while (!p.waitFor(250, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadline) {
                timedOut = true;
                break;
            }
            long rss = 0;
            for (ProcessHandle h : p.descendants().toList()) rss += rss(h.pid());
            if (rss > caps.memoryBytes()) {
                killedFor = String.format(Locale.ROOT, "it used %.1f GiB of memory, more than its %.1f GiB", rss / (double) (1L << 30), caps.memoryBytes() / (double) (1L << 30));
                break;
            }
            if (writable != null && ++tick % 4 == 0) {
                String disk = disk(writable, caps);
                if (disk != null) {
                    killedFor = disk;
                    break;
                }
            }
        }
        if (p.isAlive()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
        drain.join(2000);
        String tail;
        synchronized (err) {
            tail = err.toString();
        }
        return new Ended(p.exitValue(), timedOut, killedFor, tail);
    }

    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    private static String disk(Path dir, Caps caps) {
        long bytes = 0;
        int files = 0;
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (++files > caps.diskFiles()) return "it wrote more than " + caps.diskFiles() + " files";
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) bytes += Files.size(p);
                if (bytes > caps.diskBytes()) return "it wrote more than " + (caps.diskBytes() >> 20) + " MiB";
            }
        } catch (IOException | RuntimeException e) {
            // a file vanished while walking: the next look counts again
        }
        return null;
    }
}
