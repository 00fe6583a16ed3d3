package org.jeventstore;

/**
 * What {@link EventStore#paginateStreams} lists.
 *
 * @param pageNumber page number, from 1
 * @param pageSize   entries per page, 1 to 1000
 * @param search     a substring of the stream id to match, or {@code null} for all streams
 * @param sortBy     the sort key
 * @param ascending  sort direction
 */
public record StreamQuery(int pageNumber, int pageSize, String search, SortBy sortBy, boolean ascending) {

    public enum SortBy { STREAM_ID, STREAM_UUID, STREAM_VERSION, CREATED_AT, DELETED_AT }

    public StreamQuery {
        if (pageNumber < 1) {
            throw new IllegalArgumentException("page number must be >= 1, was " + pageNumber);
        }
        if (pageSize < 1 || pageSize > 1000) {
            throw new IllegalArgumentException("page size must be between 1 and 1000, was " + pageSize);
        }
        if (sortBy == null) {
            sortBy = SortBy.STREAM_ID;
        }
    }

    public static StreamQuery firstPage(int pageSize) {
        return new StreamQuery(1, pageSize, null, SortBy.STREAM_ID, true);
    }
}
