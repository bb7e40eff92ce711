package org.tlworkbook.notebook;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.data.DownloadException;
import org.tlworkbook.data.Progress;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Kernel releases are used only when they are the release: a tampered IJava jar or a JJava zip without its launcher is refused. */
class KernelReleaseTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        System.clearProperty("workbook.data");
        System.clearProperty("workbook.mirror");
    }

    private static byte[] zip(String... namesAndContents) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                z.putNextEntry(new ZipEntry(namesAndContents[i]));
                z.write(namesAndContents[i + 1].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String jarWithMainClass() throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "org.dflib.jjava.distro.JJava");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new JarOutputStream(bytes, m).close();
        return bytes.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private void mirrorWith(String name, byte[] content) throws Exception {
        Path mirror = Files.createDirectories(tmp.resolve("mirror"));
        Files.write(mirror.resolve(name), content);
        System.setProperty("workbook.mirror", mirror.toString());
        System.setProperty("workbook.data", tmp.resolve("data").toString());
    }

    @Test
    void aTamperedIJavaJarIsRefusedWithWhatToDo() throws Exception {
        mirrorWith("ijava-1.3.0.zip", zip("java/kernel.json", "{}", "java/ijava-1.3.0.jar", "not the release"));
        DownloadException e = assertThrows(DownloadException.class, () -> KernelRelease.IJAVA.jar(null, Progress.silent()));
        assertTrue(e.getMessage().contains("expected 3642609") && e.getMessage().contains("WORKBOOK_MIRROR"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("data/kernels/ijava")), "nothing half-checked is left in the cache");
    }

    @Test
    void jjavaIsCheckedByItsStructure() throws Exception {
        mirrorWith("jjava-1.0-a6-kernelspec.zip", zip("jjava.jar", jarWithMainClass(), "kernel.json", "{}"));
        DownloadException e = assertThrows(DownloadException.class, () -> KernelRelease.JJAVA.jar(null, Progress.silent()));
        assertTrue(e.getMessage().contains("jjava-launcher.jar is missing"), e.getMessage());

        mirrorWith("jjava-1.0-a6-kernelspec.zip", zip("jjava.jar", jarWithMainClass(), "jjava-launcher.jar", jarWithMainClass(), "kernel.json", "{}"));
        Files.delete(tmp.resolve("data/jjava-1.0-a6-kernelspec.zip")); // the cached copy of the first zip
        Path jar = KernelRelease.JJAVA.jar(null, Progress.silent());
        assertEquals(tmp.resolve("data/kernels/jjava/jjava.jar"), jar);
        assertEquals(jar, KernelRelease.JJAVA.jar(null, Progress.silent()), "a second call uses the cache");
    }

    @Test
    void theRealIJavaReleaseFromSharedPasses() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(RealKernelTest.KERNELS), "no ../shared/kernels here");
        System.setProperty("workbook.data", tmp.resolve("data").toString());
        Path jar = KernelRelease.IJAVA.jar(RealKernelTest.KERNELS, Progress.silent());
        assertEquals(3_642_609L, Files.size(jar));
        assertThrows(IllegalArgumentException.class, () -> KernelRelease.named("python"));
    }
}
