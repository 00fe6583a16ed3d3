package org.jeventstore.postgres;

import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.jeventstore.config.EventStoreSettings;
import org.jeventstore.testkit.Postgres;
import org.jeventstore.testkit.PostgresServer;

/** Gives each test class its own schema on the shared test PostgreSQL, and removes it afterwards. */
final class TestStores implements AutoCloseable {

    final PostgresServer server = Postgres.shared();
    final DataSource dataSource = server.dataSource();
    final String schema = "t_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    final PostgresEventStore store;

    TestStores() {
        this(false);
    }

    TestStores(boolean hardDeletes) {
        store = open(hardDeletes);
    }

    PostgresEventStore open(boolean hardDeletes) {
        return PostgresEventStore.builder(dataSource)
                .settings(EventStoreSettings.defaults().withSchema(schema).withHardDeletes(hardDeletes))
                .build();
    }

    @Override
    public void close() {
        store.schema().drop();
    }
}
