package org.jeventstore.testkit;

import java.util.logging.Logger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** Testcontainers, used only when a Docker engine answers. Kept apart so nothing loads it otherwise. */
final class Containers {

    private static final Logger LOG = Logger.getLogger(Containers.class.getName());

    private Containers() {
    }

    static PostgresServer tryStart() {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        if (!docker) {
            LOG.info("no Docker engine answers: using an embedded PostgreSQL");
            return null;
        }
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine")
                .withCommand("postgres", "-c", "max_connections=300");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "testcontainers-postgres-stop"));
        return new PostgresServer(container.getHost(), container.getMappedPort(5432), container.getDatabaseName(),
                container.getUsername(), container.getPassword(), "testcontainers");
    }
}
