package org.jeventstore.config;

import java.time.Duration;
import java.util.Locale;
import org.jeventstore.ConfigurationException;

/**
 * How appends meet the {@code $all} linker, validated once.
 *
 * @param mode                {@code eventstore.append-mode}: {@link Mode#LINKED} (default) or {@link Mode#COMMITTED}
 * @param maxUnlinkedAppends  {@code eventstore.max-unlinked-appends}: in {@code COMMITTED} mode, how many of this
 *                            server's appends may wait for their {@code $all} positions before further appends wait
 *                            for room (default 10,000)
 * @param linkTimeout         {@code eventstore.link-timeout-ms}: the longest an append waits for its positions (or,
 *                            in {@code COMMITTED} mode, for room); after it the append returns with positions 0
 *                            and a warning (default 30 s)
 */
public record LinkSettings(Mode mode, int maxUnlinkedAppends, Duration linkTimeout) {

    /** When an append that could not take the {@code $all} row itself returns. */
    public enum Mode {
        /**
         * Once its events have {@code $all} positions: {@code AppendResult} carries them, a read of {@code $all}
         * right after sees them, and writers are paced by the linker.
         */
        LINKED,
        /**
         * Right after its commit: positions 0 in {@code AppendResult}, events in {@code $all} a few milliseconds
         * later; the backlog of this server's waiting appends is bounded by {@code maxUnlinkedAppends}.
         */
        COMMITTED;

        /** Parses a config value ({@code linked} or {@code committed}, any case) for {@code key}. */
        public static Mode parse(String key, String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(key + " must be 'linked' or 'committed', was '" + value + "'");
            }
        }
    }

    public static final int DEFAULT_MAX_UNLINKED_APPENDS = 10_000;
    public static final Duration DEFAULT_LINK_TIMEOUT = Duration.ofSeconds(30);

    public LinkSettings {
        if (mode == null) {
            throw new ConfigurationException("eventstore.append-mode must be set");
        }
        if (maxUnlinkedAppends < 1) {
            throw new ConfigurationException("eventstore.max-unlinked-appends must be >= 1, was " + maxUnlinkedAppends);
        }
        if (linkTimeout == null || linkTimeout.isNegative() || linkTimeout.isZero()) {
            throw new ConfigurationException("eventstore.link-timeout-ms must be > 0, was " + linkTimeout);
        }
    }

    public static LinkSettings defaults() {
        return new LinkSettings(Mode.LINKED, DEFAULT_MAX_UNLINKED_APPENDS, DEFAULT_LINK_TIMEOUT);
    }

    public LinkSettings withMode(Mode value) {
        return new LinkSettings(value, maxUnlinkedAppends, linkTimeout);
    }

    public LinkSettings withMaxUnlinkedAppends(int value) {
        return new LinkSettings(mode, value, linkTimeout);
    }

    public LinkSettings withLinkTimeout(Duration value) {
        return new LinkSettings(mode, maxUnlinkedAppends, value);
    }
}
