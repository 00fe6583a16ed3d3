package org.jeventstore.evolution;

/**
 * Finds the stored revision in an event's metadata JSON text without parsing it: reads need the revision of
 * every event to know whether upcasters apply, and parsing every event's metadata for it would undo the lazy
 * parsing reads promise. The text is only walked when it contains the key at all (one {@code indexOf}), and then
 * only its top level: keys are compared, values skipped.
 */
final class RevisionScan {

    /** No key: the event is revision 1 (its metadata needs no key removed). */
    static final int ABSENT = -1;
    /** The key is there but its value is not a whole number from 1 to {@link Integer#MAX_VALUE}. */
    static final int UNREADABLE = 0;

    private static final String QUOTED_KEY = "\"" + Evolution.REVISION_KEY + "\"";

    private RevisionScan() {
    }

    /**
     * The value of the top-level key {@value Evolution#REVISION_KEY} of the JSON object {@code json}:
     * {@link #ABSENT} without it (or for no metadata, or JSON that is not an object), {@link #UNREADABLE} when
     * it is not a whole number of at least 1. The first occurrence counts.
     */
    static int revision(String json) {
        if (json == null || json.indexOf(QUOTED_KEY) < 0) {
            return ABSENT;
        }
        int n = json.length();
        int i = skipSpace(json, 0);
        if (i >= n || json.charAt(i) != '{') {
            return ABSENT;
        }
        i++;
        while (true) {
            i = skipSpace(json, i);
            if (i >= n || json.charAt(i) != '"') {
                return ABSENT; // '}' of an empty object, or text that is not JSON (its parse fails elsewhere)
            }
            int keyEnd = skipString(json, i);
            boolean ours = keyEnd - i == QUOTED_KEY.length() && json.startsWith(QUOTED_KEY, i);
            i = skipSpace(json, keyEnd);
            if (i >= n || json.charAt(i) != ':') {
                return ABSENT;
            }
            i = skipSpace(json, i + 1);
            if (ours) {
                return number(json, i);
            }
            i = skipSpace(json, skipValue(json, i));
            if (i >= n || json.charAt(i) != ',') {
                return ABSENT;
            }
            i++;
        }
    }

    /** The whole number starting at {@code i}, or {@link #UNREADABLE}. */
    private static int number(String json, int i) {
        long value = 0;
        int start = i;
        while (i < json.length() && json.charAt(i) >= '0' && json.charAt(i) <= '9') {
            value = value * 10 + (json.charAt(i) - '0');
            if (value > Integer.MAX_VALUE) {
                return UNREADABLE;
            }
            i++;
        }
        int end = skipSpace(json, i);
        boolean delimited = end < json.length() && (json.charAt(end) == ',' || json.charAt(end) == '}');
        return i > start && delimited && value >= 1 ? (int) value : UNREADABLE;
    }

    private static int skipSpace(String json, int i) {
        while (i < json.length()) {
            char c = json.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                break;
            }
            i++;
        }
        return i;
    }

    /** The index after the string whose opening quote is at {@code i}. */
    private static int skipString(String json, int i) {
        i++;
        while (i < json.length()) {
            char c = json.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '"') {
                return i + 1;
            } else {
                i++;
            }
        }
        return i;
    }

    /** The index after the value starting at {@code i}: a string, an object or array (nested), or a literal. */
    private static int skipValue(String json, int i) {
        if (i >= json.length()) {
            return i;
        }
        char first = json.charAt(i);
        if (first == '"') {
            return skipString(json, i);
        }
        if (first == '{' || first == '[') {
            int depth = 0;
            while (i < json.length()) {
                char c = json.charAt(i);
                if (c == '"') {
                    i = skipString(json, i);
                    continue;
                }
                if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    depth--;
                    if (depth == 0) {
                        return i + 1;
                    }
                }
                i++;
            }
            return i;
        }
        while (i < json.length() && ",}] \t\n\r".indexOf(json.charAt(i)) < 0) {
            i++;
        }
        return i;
    }
}
