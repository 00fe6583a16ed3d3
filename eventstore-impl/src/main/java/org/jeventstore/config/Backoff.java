package org.jeventstore.config;

/**
 * A capped exponential backoff, the one way the store waits before trying again: the first wait, doubled after
 * each failure up to the cap. Stateless: callers keep the last wait ({@code wait = backoff.after(wait)}; 0 or less
 * before the first failure).
 */
public record Backoff(long firstMillis, long maxMillis) {

    public Backoff {
        if (firstMillis < 1 || maxMillis < firstMillis) {
            throw new IllegalArgumentException("a backoff needs 1 <= first <= max, was " + firstMillis + " and "
                    + maxMillis);
        }
    }

    public static Backoff of(long firstMillis, long maxMillis) {
        return new Backoff(firstMillis, maxMillis);
    }

    /** The wait after {@code previous}: the first one when {@code previous} is 0 or less, else doubled, capped. */
    public long after(long previous) {
        return previous <= 0 ? firstMillis : Math.min(previous * 2, maxMillis);
    }
}
