package com.example.accounts;

import java.util.List;
import org.jeventstore.RecordedEvent;

/**
 * An account as its stream tells it, replayed before each decision: its balance and the stream version it was
 * replayed at (what an append expects, so that a decision on stale state is refused).
 */
record Account(String id, long balance, long version) {

    static String stream(String id) {
        return "account-" + id;
    }

    static Account replay(String id, List<RecordedEvent> events) {
        long balance = 0;
        long version = 0;
        for (RecordedEvent e : events) {
            balance = apply(balance, e.data());
            version = e.streamVersion();
        }
        return new Account(id, balance, version);
    }

    /** The balance after one event; the read models apply events the same way. */
    static long apply(long balance, Object event) {
        if (event instanceof MoneyDeposited d) {
            return balance + d.amount();
        }
        if (event instanceof MoneyWithdrawn w) {
            return balance - w.amount();
        }
        return balance; // AccountOpened, and types added later that do not move money
    }
}
