package org.jeventstore;

import java.util.List;

/**
 * One page of a paged listing.
 *
 * @param entries    the entries of this page
 * @param pageNumber this page's number, from 1
 * @param pageSize   the requested page size
 * @param totalCount how many entries match in all
 */
public record Page<T>(List<T> entries, int pageNumber, int pageSize, long totalCount) {

    public Page {
        entries = List.copyOf(entries);
    }

    /** How many pages the entries fill; at least 1, also when nothing matches (as Elixir's {@code Page}). */
    public long totalPages() {
        return pageSize <= 0 ? 1 : Math.max(1, (totalCount + pageSize - 1) / pageSize);
    }
}
