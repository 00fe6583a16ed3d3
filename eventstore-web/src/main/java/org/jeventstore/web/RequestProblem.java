package org.jeventstore.web;

/** A request the API refuses before it reaches the store, with the HTTP status and a message for the caller. */
public class RequestProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public RequestProblem(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
