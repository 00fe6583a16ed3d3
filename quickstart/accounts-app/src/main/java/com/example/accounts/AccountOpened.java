package com.example.accounts;

import org.jeventstore.EventType;

/**
 * An account was opened. {@code @EventType} gives the stored type name, so the class may move or be renamed; the
 * server reads the name back into this class because microprofile-config.properties lists it
 * ({@code eventstore.serialization.event-types}).
 */
@EventType("AccountOpened")
public record AccountOpened(String owner) {
}
