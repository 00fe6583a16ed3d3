package org.jeventstore.testsupport;

import java.util.ArrayList;
import java.util.List;
import org.jeventstore.postgres.PostgresEventStore;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Schemas a test makes for itself beside its class's {@link TestStores} (used then for its pooled data source and
 * plain SQL). As an extension ({@code @RegisterExtension final FreshSchemas schemas = new FreshSchemas(stores)}):
 * after each test, after the test's own {@code @AfterEach}, the stores given to {@link #closeAfter} are closed,
 * then every schema named by {@link #newName} is dropped.
 */
public final class FreshSchemas implements AfterEachCallback {

    private final TestStores stores;
    private final List<String> names = new ArrayList<>();
    private final List<PostgresEventStore> opened = new ArrayList<>();

    public FreshSchemas(TestStores stores) {
        this.stores = stores;
    }

    /** A schema name no other test uses; whatever the test makes under it is dropped after the test. */
    public String newName() {
        String schema = TestStores.newSchemaName();
        names.add(schema);
        return schema;
    }

    /** {@code store}, to be closed after the test, before its schema is dropped. */
    public PostgresEventStore closeAfter(PostgresEventStore store) {
        opened.add(store);
        return store;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        opened.forEach(PostgresEventStore::close);
        for (String schema : names) {
            stores.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        }
    }
}
