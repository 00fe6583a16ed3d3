package org.jeventstore.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An Open Liberty server of the shared install, driven through its {@code bin/server} script: used by the run
 * command and by tests that need servers of their own (several at once, or one that starts without a database).
 */
public final class LibertyServer {

    private final Path wlp;
    private final String name;
    private int httpPort = 9080;

    public LibertyServer(Path wlp, String name) {
        this.wlp = wlp;
        this.name = name;
    }

    /** A new server named {@code name}: a copy of {@code template}'s configuration and applications. */
    public static LibertyServer copyOf(Path wlp, String template, String name) {
        Path from = wlp.resolve("usr/servers").resolve(template);
        Path to = wlp.resolve("usr/servers").resolve(name);
        if (!Files.isDirectory(from)) {
            throw new IllegalStateException("no Liberty server '" + template + "' at " + from
                    + ": build it first (mvn package)");
        }
        deleteTree(to);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path rel = from.relativize(p);
                if (rel.startsWith("logs") || rel.startsWith("workarea") || rel.startsWith("bootstrap.properties")) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy Liberty server " + from + " to " + to, e);
        }
        return new LibertyServer(wlp, name);
    }

    public String name() {
        return name;
    }

    public Path directory() {
        return wlp.resolve("usr/servers").resolve(name);
    }

    public int httpPort() {
        return httpPort;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    /** Sets the server's HTTP and HTTPS ports in its bootstrap.properties. */
    public LibertyServer ports(int http, int https) {
        this.httpPort = http;
        try {
            Files.writeString(directory().resolve("bootstrap.properties"),
                    "http.port=" + http + "\nhttps.port=" + https + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Starts the server in the background ({@code server start}) and returns once it has started. */
    public void start(Map<String, String> env) {
        int exit = script(env, Duration.ofMinutes(3), "start", name);
        if (exit != 0) {
            throw new IllegalStateException("Liberty server " + name + " did not start (exit " + exit + "); see "
                    + directory().resolve("logs/messages.log"));
        }
    }

    /** Runs the server in the foreground ({@code server run}), its output on this process's console. */
    public Process run(Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command("run", name)).inheritIO();
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not run Liberty server " + name, e);
        }
    }

    /** Stops the server gracefully ({@code server stop}). */
    public void stop() {
        script(Map.of(), Duration.ofMinutes(2), "stop", name);
    }

    /** Stops it and removes its directory. */
    public void destroy() {
        stop();
        deleteTree(directory());
    }

    /** Polls {@code path} until it answers {@code status}, or fails after {@code timeout}. */
    public int awaitStatus(String path, int status, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = status(path);
            if (last == status) {
                return last;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + url(path), e);
            }
        }
        throw new IllegalStateException(url(path) + " answered " + last + ", not " + status + ", within " + timeout);
    }

    /** The HTTP status of a GET of {@code path}, or -1 when nothing answers. */
    public int status(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url(path)).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(10000);
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    /** A TCP port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(wlp.resolve("bin/server").toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private int script(Map<String, String> env, Duration timeout, String... args) {
        ProcessBuilder pb = new ProcessBuilder(command(args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("server " + String.join(" ", args) + " took longer than " + timeout);
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException("could not run server " + String.join(" ", args), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running server " + String.join(" ", args), e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
