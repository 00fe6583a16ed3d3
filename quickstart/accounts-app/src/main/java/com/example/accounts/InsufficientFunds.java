package com.example.accounts;

import jakarta.ejb.ApplicationException;

/** A withdrawal larger than the balance. An application exception: the caller gets it as it is, nothing written. */
@ApplicationException(rollback = true)
public class InsufficientFunds extends RuntimeException {

    public InsufficientFunds(String id, long balance, long amount) {
        super("account " + id + " holds " + balance + ", cannot withdraw " + amount);
    }
}
