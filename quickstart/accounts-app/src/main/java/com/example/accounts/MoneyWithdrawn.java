package com.example.accounts;

import org.jeventstore.EventType;

/** Money was taken out of an account (in cents). */
@EventType("MoneyWithdrawn")
public record MoneyWithdrawn(long amount) {
}
