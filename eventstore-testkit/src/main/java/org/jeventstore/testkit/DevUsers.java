package org.jeventstore.testkit;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The users of server.xml's basic registry, one per role, with the passwords the server takes: the environment
 * variable {@code EVENTSTORE_<USER>_PASSWORD}, else the developer default (the same default as server.xml).
 */
public enum DevUsers {
    READER("reader", "eventstore-reader"),
    WRITER("writer", "eventstore-writer"),
    ADMIN("admin", "eventstore-admin");

    private final String user;
    private final String role;

    DevUsers(String user, String role) {
        this.user = user;
        this.role = role;
    }

    public String user() {
        return user;
    }

    public String role() {
        return role;
    }

    public String passwordVariable() {
        return "EVENTSTORE_" + name() + "_PASSWORD";
    }

    public String password() {
        String set = System.getenv(passwordVariable());
        return set != null && !set.isEmpty() ? set : user + "-dev";
    }

    /** The value of an {@code Authorization} header for this user. */
    public String basicAuth() {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password())
                .getBytes(StandardCharsets.UTF_8));
    }

    public static List<DevUsers> all() {
        return List.of(values());
    }
}
