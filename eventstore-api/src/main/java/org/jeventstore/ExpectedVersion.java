package org.jeventstore;

/**
 * The optimistic-concurrency condition an append, link or delete must meet.
 *
 * <ul>
 *   <li>{@link #any()}: no check; the stream is created when it does not exist.</li>
 *   <li>{@link #noStream()}: the stream must not exist yet ({@link StreamExistsException} when it does).</li>
 *   <li>{@link #streamExists()}: the stream must exist, at any version.</li>
 *   <li>{@link #exactly(long)}: the stream must be at this version; 0 means a new stream, and an existing one
 *       is a {@link WrongExpectedVersionException} (as Elixir's {@code :wrong_expected_version} for
 *       {@code expected_version: 0}).</li>
 * </ul>
 */
public sealed interface ExpectedVersion {

    static ExpectedVersion any() {
        return Any.INSTANCE;
    }

    static ExpectedVersion noStream() {
        return NoStream.INSTANCE;
    }

    static ExpectedVersion streamExists() {
        return StreamExists.INSTANCE;
    }

    static ExpectedVersion exactly(long version) {
        if (version < 0) {
            throw new IllegalArgumentException("expected version must be >= 0, was " + version);
        }
        return new Exactly(version);
    }

    enum Any implements ExpectedVersion {
        INSTANCE;

        @Override
        public String toString() {
            return "any";
        }
    }

    enum NoStream implements ExpectedVersion {
        INSTANCE;

        @Override
        public String toString() {
            return "no stream";
        }
    }

    enum StreamExists implements ExpectedVersion {
        INSTANCE;

        @Override
        public String toString() {
            return "stream exists";
        }
    }

    record Exactly(long version) implements ExpectedVersion {
        public Exactly {
            if (version < 0) {
                throw new IllegalArgumentException("exact expected version must be >= 0, was " + version);
            }
        }

        @Override
        public String toString() {
            return "version " + version;
        }
    }
}
