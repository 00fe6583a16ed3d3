package org.jeventstore.postgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.jeventstore.testsupport.TestStores;

/** A test class working on one store in a schema of its own, created before its tests and dropped after them. */
abstract class StoreTest {

    static TestStores stores;
    static PostgresEventStore store;

    @BeforeAll
    static void openStore() {
        stores = new TestStores();
        store = stores.store;
    }

    @AfterAll
    static void closeStore() {
        stores.close();
    }
}
