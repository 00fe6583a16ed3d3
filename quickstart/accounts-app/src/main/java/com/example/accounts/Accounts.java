package com.example.accounts;

import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import java.util.List;
import org.jeventstore.EventData;
import org.jeventstore.EventStore;
import org.jeventstore.ExpectedVersion;

/**
 * The write side: each method replays the account's stream, decides, and appends with the version it decided on,
 * all in this bean's JTA transaction (the store joins it). A concurrent change in between makes the append fail
 * with {@code WrongExpectedVersionException}, which reaches the caller as itself (the store's domain exceptions
 * are EJB application exceptions): nothing is written, the transaction is rolled back, nothing is logged.
 */
@Stateless
public class Accounts {

    /** More than a sample account ever has; a long-lived aggregate would start from a snapshot. */
    private static final int MAX_EVENTS = 10_000;

    @Inject
    EventStore store;

    /** Opens the account; {@code StreamExistsException} when it exists. Returns the stream version. */
    public long open(String id, String owner) {
        return store.appendToStream(Account.stream(id), ExpectedVersion.noStream(),
                List.of(EventData.of(new AccountOpened(owner)))).streamVersion();
    }

    /**
     * Pays in {@code amount} (positive: the endpoint checks). {@code expectedVersion}: the version the caller last saw ({@code null}: the one
     * replayed here). Returns the new stream version.
     */
    public long deposit(String id, long amount, Long expectedVersion) {
        Account account = load(id);
        return append(account, expectedVersion, new MoneyDeposited(amount));
    }

    /** Takes out {@code amount}; {@link InsufficientFunds} when the balance (as replayed) is lower. */
    public long withdraw(String id, long amount, Long expectedVersion) {
        Account account = load(id);
        if (account.balance() < amount) {
            throw new InsufficientFunds(id, account.balance(), amount);
        }
        return append(account, expectedVersion, new MoneyWithdrawn(amount));
    }

    /** The account as its stream tells it now; {@code StreamNotFoundException} when it was never opened. */
    public Account load(String id) {
        return Account.replay(id, store.readStreamForward(Account.stream(id), 1, MAX_EVENTS));
    }

    private long append(Account account, Long expectedVersion, Object event) {
        long expected = expectedVersion != null ? expectedVersion : account.version();
        return store.appendToStream(Account.stream(account.id()), ExpectedVersion.exactly(expected),
                List.of(EventData.of(event))).streamVersion();
    }
}
