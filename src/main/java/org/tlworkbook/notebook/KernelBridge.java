package org.tlworkbook.notebook;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The running Jupyter kernel, IJava or JJava, reached by reflection so the helper has no compile-time
 * dependency on either: both are the same kernel library under different package names. It shows a MIME
 * bundle, replaces one shown earlier (by display id), and registers how a class renders as a cell's value.
 */
final class KernelBridge {
    private final Object kernel;
    private final String pkg;
    private final Class<?> displayData;
    private final ClassLoader loader;

    private KernelBridge(Object kernel, String pkg, ClassLoader loader) throws ReflectiveOperationException {
        this.kernel = kernel;
        this.pkg = pkg;
        this.loader = loader;
        this.displayData = Class.forName(pkg + ".display.DisplayData", true, loader);
    }

    /** The kernel this code runs in, or null outside IJava and JJava. */
    static KernelBridge find() {
        ClassLoader loader = KernelBridge.class.getClassLoader();
        try {
            Class<?> k = Class.forName("io.github.spencerpark.ijava.runtime.Kernel", true, loader);
            Object kernel = k.getMethod("getKernelInstance").invoke(null);
            if (kernel != null) return new KernelBridge(kernel, "io.github.spencerpark.jupyter.kernel", loader);
        } catch (ReflectiveOperationException | LinkageError e) {
            // not IJava
        }
        try {
            Class<?> k = Class.forName("org.dflib.jjava.jupyter.kernel.BaseKernel", true, loader);
            Object kernel = k.getMethod("notebookKernel").invoke(null);
            if (kernel != null) return new KernelBridge(kernel, "org.dflib.jjava.jupyter.kernel", loader);
        } catch (ReflectiveOperationException | LinkageError e) {
            // not JJava
        }
        return null;
    }

    String name() {
        return pkg.startsWith("org.dflib") ? "JJava" : "IJava";
    }

    private Object data(Map<String, String> bundle, String id) throws ReflectiveOperationException {
        Object d = displayData.getConstructor().newInstance();
        Method put = displayData.getMethod("putData", String.class, Object.class);
        for (Map.Entry<String, String> e : bundle.entrySet()) put.invoke(d, e.getKey(), e.getValue());
        if (id != null) displayData.getMethod("setDisplayId", String.class).invoke(d, id);
        return d;
    }

    /** Sends a display_data message; with an id, later {@link #update}s replace it in place. */
    void display(Map<String, String> bundle, String id) {
        try {
            kernel.getClass().getMethod("display", displayData).invoke(kernel, data(bundle, id));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(name() + " did not take a display: " + e, e);
        }
    }

    /** Sends an update_display_data message for the display {@code id}. */
    void update(String id, Map<String, String> bundle) {
        try {
            Object io = kernel.getClass().getMethod("getIO").invoke(kernel);
            Field f = io.getClass().getField("display");
            Object stream = f.get(io);
            stream.getClass().getMethod("updateDisplay", String.class, displayData).invoke(stream, id, data(bundle, null));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(name() + " did not take a display update: " + e, e);
        }
    }

    /** Makes a cell whose value is a {@code type} show {@code bundle(value)} (e.g. an HTML table) instead of its toString. */
    <T> void renderAs(Class<T> type, Function<T, Map<String, String>> bundle) {
        try {
            Object renderer = kernel.getClass().getMethod("getRenderer").invoke(kernel);
            Class<?> mime = Class.forName(pkg + ".display.mime.MIMEType", true, loader);
            Class<?> fn = Class.forName(pkg + ".display.RenderFunction", true, loader);
            Set<Object> types = new LinkedHashSet<>();
            types.add(mime.getField("TEXT_HTML").get(null));
            types.add(mime.getField("TEXT_PLAIN").get(null));
            Object function = Proxy.newProxyInstance(loader, new Class<?>[]{fn}, (proxy, method, args) -> {
                if (!method.getName().equals("render")) return method.invoke(this, args);
                Object out = args[1].getClass().getMethod("getOutputContainer").invoke(args[1]);
                Method put = displayData.getMethod("putData", String.class, Object.class);
                for (Map.Entry<String, String> e : bundle.apply(type.cast(args[0])).entrySet()) put.invoke(out, e.getKey(), e.getValue());
                return null;
            });
            renderer.getClass().getMethod("register", Set.class, Set.class, Set.class, fn)
                    .invoke(renderer, types, types, Set.of(type), function);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(name() + " did not take a renderer for " + type.getSimpleName() + ": " + e, e);
        }
    }
}
