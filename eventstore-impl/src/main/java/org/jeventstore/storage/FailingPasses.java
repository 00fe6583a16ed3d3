package org.jeventstore.storage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jeventstore.AppendNotLinkedException;
import org.jeventstore.StorageException;

/**
 * What a failed linker pass means, and what is done about it. A failure that is not the appends' own (see
 * {@link #notTheAppends}) goes back to the loop, which retries with backoff. One of the appends' own halves the
 * pass, down to the oldest append alone; the oldest failing alone {@link #STRIKES} times in a row is set aside
 * ({@code jes_set_aside}, JES0305E), so that the appends of other streams keep flowing while the later appends of
 * its stream wait behind it. After {@link #MAX_SET_ASIDE_IN_A_ROW} set aside without an append linked in between,
 * the fault is taken for one every pass meets: nothing more is set aside (JES0308E). Loop thread only.
 */
final class FailingPasses {

    private static final Logger LOG = Logger.getLogger(FailingPasses.class.getName());
    /** Failures of the oldest append alone, in a row, before it is set aside. */
    static final int STRIKES = 3;
    static final int MAX_SET_ASIDE_IN_A_ROW = 10;

    private final LinkPasses linker;
    private final LinkWaiters waiters;
    private final Map<Long, Integer> strikes = new ConcurrentHashMap<>();
    /** Appends set aside since the last successful link. */
    private int setAsideInARow;
    /** How many appends the next pass takes. */
    private int limit;

    FailingPasses(LinkPasses linker, LinkWaiters waiters) {
        this.linker = linker;
        this.waiters = waiters;
        this.limit = linker.batchSize();
    }

    /** The next pass's size: halved by failures of the appends' own, doubled back by passes that succeed. */
    int limit() {
        return limit;
    }

    /** A pass succeeded. */
    void succeeded(LinkPasses.Pass pass) {
        limit = Math.min(linker.batchSize(), limit * 2);
        if (!pass.linked().isEmpty()) {
            strikes.clear();
            setAsideInARow = 0;
        }
    }

    /**
     * A pass failed with {@code e}: rethrows it when the loop should back off, else returns an empty full pass
     * (the round goes on at once with a smaller pass, or past the append just set aside).
     */
    LinkPasses.Pass failed(RuntimeException e) {
        if (notTheAppends(e)) {
            throw e;
        }
        if (limit > 1) {
            limit = Math.max(1, limit / 2);
            LOG.log(Level.FINE, "a linker pass failed; trying " + limit + " appends at a time", e);
            return new LinkPasses.Pass(List.of(), true);
        }
        long oldest = linker.oldest();
        if (oldest == 0 || strikes.merge(oldest, 1, Integer::sum) < STRIKES) {
            throw e;
        }
        if (setAsideInARow >= MAX_SET_ASIDE_IN_A_ROW) {
            LOG.log(Level.SEVERE, "JES0308E " + setAsideInARow + " appends in a row could not be linked into $all"
                    + " and were set aside; nothing more is set aside until an append links again (a fault every"
                    + " pass meets, not an append's): " + e.getMessage(), e);
            throw e;
        }
        strikes.remove(oldest);
        setAsideInARow++;
        LinkPasses.SetAside aside = linker.setAside(oldest, String.valueOf(e.getMessage()));
        if (aside != null) {
            LOG.log(Level.SEVERE, "JES0305E an append to stream '" + aside.streamId() + "' (versions "
                    + aside.firstVersion() + "-" + aside.lastVersion() + ", events " + aside.eventIds()
                    + ", jes_unlinked id " + aside.appendId() + ") could not be linked into $all and was set"
                    + " aside in jes_set_aside; the appends of other streams are linked, the later ones of its"
                    + " stream wait behind it. Its events stay in their stream;"
                    + " EventStoreOperations.retrySetAside retries it. Cause: " + e.getMessage(), e);
            waiters.complete(oldest, LinkPasses.Linked.notLinked(oldest, AppendNotLinkedException.Reason.SET_ASIDE,
                    "it was set aside (jes_set_aside id " + oldest + "): " + e.getMessage()));
        }
        return new LinkPasses.Pass(List.of(), true);
    }

    /**
     * Whether a failure says nothing about the appends in the pass: anything but an error of their data, a
     * constraint or a limit.
     */
    static boolean notTheAppends(RuntimeException e) {
        String state = e instanceof StorageException s ? s.sqlState() : null;
        if (state == null || state.length() < 2) {
            return true;
        }
        // Only what one append's own rows can cause counts against it: its data (22: a value out of range, a
        // notification payload too long), a constraint (23), a limit (54: an index row too big). Everything else
        // (a statement timeout or cancel 57014, a read-only server 25006, a lock timeout 55P03, a deadlock 40P01,
        // the connection 08, resources 53, the schema or privileges 42, a shutdown 57P, internal XX) would meet
        // any pass, and a healthy append set aside for it would leave $all without it.
        return switch (state.substring(0, 2)) {
            case "22", "23", "54" -> false;
            default -> true;
        };
    }
}
