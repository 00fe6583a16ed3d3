package org.jeventstore;

/**
 * Events were appended (or linked) to a stream: the notification every server receives, relayed as a CDI event.
 * For {@code $all}, the versions are {@code $all} positions.
 *
 * @param streamId    the stream
 * @param fromVersion the first new version
 * @param toVersion   the last new version
 */
public record EventsAppended(String streamId, long fromVersion, long toVersion) {
}
