package org.jeventstore.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jeventstore.testkit.PostgresServer;

/**
 * The campaign's servers by name, each in its current incarnation (or down). A server's lifecycle (crash, stop,
 * start) is changed by one actor at a time: the nemesis and the healing at the end take its lock.
 */
final class Cluster {

    private final String run;
    private final java.util.function.Function<String, PostgresServer> db;
    private final String schema;
    private final Consumer<Server> onStart;
    private final Map<String, Server> current = new ConcurrentHashMap<>();
    private final Map<String, Integer> incarnations = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final List<String> names;
    private final List<Server> all = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** {@code db} gives each server (by name) the address it reaches PostgreSQL at (one goes through a proxy). */
    Cluster(String run, java.util.function.Function<String, PostgresServer> db, String schema, List<String> names,
            Consumer<Server> onStart) {
        this.run = run;
        this.db = db;
        this.schema = schema;
        this.names = List.copyOf(names);
        this.onStart = onStart;
        names.forEach(n -> locks.put(n, new ReentrantLock()));
    }

    List<String> names() {
        return names;
    }

    ReentrantLock lock(String name) {
        return locks.get(name);
    }

    /** Starts a new incarnation of {@code name} with {@code config} and subscribes its workload. */
    Server start(String name, Server.Config config) {
        int incarnation = incarnations.merge(name, 1, Integer::sum);
        Server s = Server.start(run, name, incarnation, config, db.apply(name), schema);
        all.add(s);
        current.put(name, s);
        onStart.accept(s);
        return s;
    }

    /** The server's current incarnation, or null while it is down. */
    Server up(String name) {
        Server s = current.get(name);
        return s == null || s.down() ? null : s;
    }

    void markDown(String name) {
        current.remove(name);
    }

    List<Server> upServers() {
        List<Server> up = new ArrayList<>();
        for (String n : names) {
            Server s = up(n);
            if (s != null) {
                up.add(s);
            }
        }
        return up;
    }

    /** A server that is up, chosen with {@code random}; null when none is. */
    Server anyUp(Random random) {
        List<Server> up = upServers();
        return up.isEmpty() ? null : up.get(random.nextInt(up.size()));
    }

    /** Every incarnation ever started (to stop those still up at the end). */
    List<Server> everyIncarnation() {
        return all;
    }
}
