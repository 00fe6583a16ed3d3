package com.example.accounts;

import org.jeventstore.EventType;

/** Money was paid into an account (in cents). */
@EventType("MoneyDeposited")
public record MoneyDeposited(long amount) {
}
