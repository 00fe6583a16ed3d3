package org.jeventstore.it;

import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import java.util.List;
import org.jeventstore.AppendResult;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;

/** A stateless EJB that appends inside its container-managed transaction. */
@Stateless
public class AppendingBean {

    @Inject
    EventStore store;

    @Resource
    SessionContext context;

    public AppendResult append(String streamId, Object data) {
        return store.appendToStream(streamId, ExpectedVersion.any(), List.of(EventData.of("it-event", data)));
    }

    /** Appends as the first event of a new stream. */
    public AppendResult appendNew(String streamId, Object data) {
        return store.appendToStream(streamId, ExpectedVersion.noStream(), List.of(EventData.of("it-event", data)));
    }

    /** Marks the transaction for rollback, then appends: the store must refuse, not append in or beside it. */
    public void appendWhenRollbackOnly(String streamId, Object data) {
        context.setRollbackOnly();
        store.appendToStream(streamId, ExpectedVersion.any(), List.of(EventData.of("it-event", data)));
    }

    /**
     * Appends to {@code first}, then to {@code second} expecting it at {@code expected}, in this bean's one
     * transaction: both appends or neither.
     */
    public void appendToBoth(String first, String second, long expected) {
        store.appendToStream(first, ExpectedVersion.any(), List.of(EventData.of("it-event", "first")));
        store.appendToStream(second, ExpectedVersion.exactly(expected), List.of(EventData.of("it-event", "second")));
    }

    /** Appends, then rolls the transaction back: nothing may remain. */
    public void appendThenRollBack(String streamId, Object data) {
        store.appendToStream(streamId, ExpectedVersion.any(), List.of(EventData.of("it-event", data)));
        context.setRollbackOnly();
    }
}
