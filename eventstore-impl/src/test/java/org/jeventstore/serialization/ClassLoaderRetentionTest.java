package org.jeventstore.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.jeventstore.EventType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A serializer may outlive the class loaders of the classes it has served: a store in a library shared by
 * applications, or any long-lived store reading classes of a module that is redeployed. Holding those classes
 * (or JSON-B's models of them) strongly would keep every old deployment's loader, and all its classes, in memory.
 */
@Timeout(120)
class ClassLoaderRetentionTest {

    @TempDir
    Path dir;

    @Test
    void a_serializer_keeps_no_class_loader_of_the_classes_it_registered_wrote_read_or_loaded_by_name()
            throws Exception {
        JsonbEventSerializer serializer = new JsonbEventSerializer().allowPackages(List.of("throwaway"));
        WeakReference<ClassLoader> loader = useThrowawayClasses(serializer);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            System.gc();
            return loader.get() == null;
        });
        // the serializer was reachable all along, and still serves: the class it loaded by name is gone, so the
        // same name now reads as a JSON value
        assertThat(serializer.fromJson("throwaway.Loaded", "{\"n\":1}")).isInstanceOf(Map.class);
        Reference.reachabilityFence(serializer);
    }

    /**
     * Compiles two event classes into a class loader of their own (a deployment), has {@code serializer} serve
     * them every way it can, and drops everything but a weak reference to that loader.
     */
    private WeakReference<ClassLoader> useThrowawayClasses(JsonbEventSerializer serializer) throws Exception {
        // plain classes, not records: a record's generated equals (the JDK's ObjectMethods bootstrap) was seen to
        // keep its class loader reachable here, whatever the serializer did
        compile("throwaway/Opened.java", """
                package throwaway;
                @org.jeventstore.EventType("throwaway-opened")
                public final class Opened {
                    public String owner;
                    public int n;
                    public Opened() {
                    }
                    public Opened(String owner, int n) {
                        this.owner = owner;
                        this.n = n;
                    }
                    @Override
                    public boolean equals(Object o) {
                        return o instanceof Opened other && other.n == n && java.util.Objects.equals(other.owner, owner);
                    }
                    @Override
                    public int hashCode() {
                        return n;
                    }
                }
                """);
        compile("throwaway/Loaded.java", """
                package throwaway;
                public final class Loaded {
                    public int n;
                }
                """);
        URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ClassLoaderRetentionTest.class.getClassLoader());
        Class<?> opened = loader.loadClass("throwaway.Opened");
        assertThat(opened.getClassLoader()).isSameAs(loader);
        Object event = opened.getConstructor(String.class, int.class).newInstance("ada", 5);

        serializer.register(opened);
        String type = serializer.typeName(event);
        assertThat(type).isEqualTo("throwaway-opened");
        String json = serializer.toJson(event);
        assertThat(json).isEqualTo("{\"n\":5,\"owner\":\"ada\"}");
        assertThat(serializer.fromJson(type, json)).isEqualTo(event);
        assertThat(serializer.deferredFromJson(type, json).get()).isEqualTo(event);
        assertThat(serializer.bind(Map.of("owner", "ada", "n", 5), opened)).isEqualTo(event);

        // a class name of an allowed package, loaded through the reading thread's class loader
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Object loaded = serializer.fromJson("throwaway.Loaded", "{\"n\":1}");
            assertThat(loaded.getClass().getClassLoader()).isSameAs(loader);
            assertThat(serializer.toJson(loaded)).isEqualTo("{\"n\":1}");
        } finally {
            thread.setContextClassLoader(before);
        }
        loader.close();
        return new WeakReference<>(loader);
    }

    private void compile(String path, String source) throws IOException, java.net.URISyntaxException {
        Path file = dir.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK's compiler").isNotNull();
        String api = Path.of(EventType.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        int status = javac.run(null, null, null, "-classpath", api, "-d", dir.toString(), file.toString());
        assertThat(status).as("javac of " + path).isZero();
    }
}
