package org.tlworkbook.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Claims a folder for one process at a time (a run's {@code --out}, the download cache), so two runs cannot
 * interleave their files. The claim is an OS file lock on {@code .lock} inside the folder, which holds the
 * owner's PID for the message the next claimant sees; the OS drops it when the owner dies, even by
 * {@code kill -9}. Within one JVM the claim is re-entrant per thread and other threads queue or fail the same way.
 */
public final class FolderLock implements AutoCloseable {
    /** A folder claimed by another process or thread. */
    public static final class InUseException extends IllegalStateException {
        InUseException(String message) {
            super(message);
        }
    }

    private static final Map<Path, Slot> SLOTS = new HashMap<>();

    private static final class Slot {
        final ReentrantLock threads = new ReentrantLock();
        FileChannel channel;
        FileLock lock;
    }

    private final Slot slot;
    private final Path dir;
    private boolean closed;

    private FolderLock(Slot slot, Path dir) {
        this.slot = slot;
        this.dir = dir;
    }

    /**
     * Claims {@code dir} (created if missing) or fails at once with an {@link InUseException} naming the owner's
     * PID and what it is doing; {@code advice} ends that message (what the user can do instead).
     */
    public static FolderLock claim(Path dir, String purpose, String advice) throws IOException {
        return acquire(dir, purpose, advice, false);
    }

    /** Claims {@code dir}, waiting (and saying once whom it waits for) while another process holds it. */
    public static FolderLock await(Path dir, String purpose) throws IOException {
        return acquire(dir, purpose, null, true);
    }

    private static FolderLock acquire(Path dir, String purpose, String advice, boolean wait) throws IOException {
        Files.createDirectories(dir);
        Path key = dir.toAbsolutePath().normalize();
        Slot slot;
        synchronized (SLOTS) {
            slot = SLOTS.computeIfAbsent(key, k -> new Slot());
        }
        if (wait) {
            try {
                slot.threads.lockInterruptibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for " + key);
            }
        } else if (!slot.threads.tryLock()) {
            throw new InUseException(key + " is in use by this process (PID " + ProcessHandle.current().pid() + ", another thread). " + advice);
        }
        if (slot.threads.getHoldCount() > 1) return new FolderLock(slot, key);
        try {
            FileChannel channel = FileChannel.open(key.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
                if (lock == null) {
                    String owner = owner(channel);
                    if (!wait) {
                        channel.close();
                        throw new InUseException(key + " is in use by " + owner + ". " + advice);
                    }
                    Progress.tell("Waiting for " + owner + ", which is using " + key + "...");
                    lock = channel.lock();
                }
            } catch (OverlappingFileLockException e) {
                channel.close();
                throw new InUseException(key + " is already claimed in this process (PID " + ProcessHandle.current().pid() + ").");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("PID " + ProcessHandle.current().pid() + " (" + purpose + ")\n").getBytes(StandardCharsets.UTF_8)), 0);
            slot.channel = channel;
            slot.lock = lock;
            return new FolderLock(slot, key);
        } catch (IOException | RuntimeException e) {
            slot.threads.unlock();
            throw e;
        }
    }

    private static String owner(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            int n = channel.read(b, 0);
            String s = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "another process" : s;
        } catch (IOException e) {
            return "another process";
        }
    }

    /**
     * Deletes what earlier runs left in the claimed folder: temp files of killed writes ({@code .*.tmp}), folders
     * of killed extractions ({@code .*.extracting-*}), and copies that failed their check ({@code *.rejected*}),
     * which are kept for one run so the user can look at them. Only the outermost claim of a thread does it: a
     * nested claim (a download inside a dataset's preparation) finds it done.
     */
    public void removeLeftovers() throws IOException {
        if (slot.threads.getHoldCount() > 1) return;
        try (var children = Files.list(dir)) {
            for (Path p : children.toList()) {
                String n = p.getFileName().toString();
                boolean hidden = n.startsWith(".") && !n.equals(".lock");
                boolean leftover = hidden && n.endsWith(".tmp") && Files.isRegularFile(p)
                        || hidden && n.contains(".extracting-") && Files.isDirectory(p)
                        || n.endsWith(".rejected") || n.contains(".rejected-");
                if (!leftover) continue;
                if (Files.isDirectory(p)) SafeUnzip.deleteTree(p);
                else Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            if (slot.threads.getHoldCount() == 1 && slot.lock != null) {
                slot.lock.release();
                slot.channel.close();
                slot.lock = null;
                slot.channel = null;
            }
        } finally {
            slot.threads.unlock();
        }
    }
}
