package org.jeventstore.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The README's run command: PostgreSQL from {@code EVENTSTORE_DB_*} or an embedded one (its data kept in
 * {@code eventstore-ear/target/dev-postgres} between runs), then the Liberty server with the EAR in the
 * foreground. Ctrl-C stops both.
 *
 * <p>Arguments: the wlp directory, the server name, the embedded PostgreSQL's data directory.
 */
public final class DevServer {

    private DevServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: DevServer <wlp dir> <server name> <embedded postgres data dir>");
            System.exit(2);
        }
        PostgresServer db = Postgres.sharedWithoutContainers(Path.of(args[2]));
        System.out.println("[jeventstore] database: " + db);
        LibertyServer server = new LibertyServer(Path.of(args[0]), args[1]);
        Map<String, String> env = db.environment();
        Process liberty = server.run(env);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (liberty.isAlive()) {
                server.stop();
            }
        }, "jeventstore-dev-stop"));
        try {
            server.awaitStatus("/health/ready", 200, Duration.ofMinutes(3));
            String base = server.url("");
            System.out.println();
            System.out.println("[jeventstore] ready. Users (one per role; passwords from the environment"
                    + " variables shown, else these developer defaults):");
            for (DevUsers u : DevUsers.values()) {
                boolean fromEnv = System.getenv(u.passwordVariable()) != null;
                System.out.println("  " + u.user() + " / " + (fromEnv ? "(from " + u.passwordVariable() + ")"
                        : u.password() + "   (set " + u.passwordVariable() + " to change)") + "   role " + u.role());
            }
            String w = "-u writer:" + (System.getenv(DevUsers.WRITER.passwordVariable()) != null ? "$"
                    + DevUsers.WRITER.passwordVariable() : DevUsers.WRITER.password()) + " ";
            String r = "-u reader:" + (System.getenv(DevUsers.READER.passwordVariable()) != null ? "$"
                    + DevUsers.READER.passwordVariable() : DevUsers.READER.password()) + " ";
            System.out.println("[jeventstore] Try:");
            System.out.println("  console   " + base + "/");
            System.out.println("  health    " + base + "/health");
            // a write needs X-Requested-By (any value): the server's defence against requests other sites forge
            System.out.println("  append    curl " + w + "-X POST -H 'X-Requested-By: curl'"
                    + " -H 'Content-Type: application/json' "
                    + "-d '[{\"eventType\":\"greeting\",\"data\":{\"hello\":\"world\"}}]' " + base
                    + "/api/streams/demo-1");
            System.out.println("  read      curl " + r + base + "/api/streams/demo-1");
            System.out.println("  info      curl " + r + base + "/api/streams/demo-1/info");
            System.out.println("  $all      curl " + r + "'" + base + "/api/all?start=1&count=10'");
            System.out.println("[jeventstore] Ctrl-C stops the server and the database.");
        } catch (IllegalStateException e) {
            System.err.println("[jeventstore] server not ready: " + e.getMessage());
        }
        System.exit(liberty.waitFor());
    }
}
