package org.jeventstore.it;

import jakarta.ejb.Stateless;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

/** A stateless EJB whose container-managed transaction fires an event that transaction observers see. */
@Stateless
public class OrderService {

    @Inject
    Event<AfterSuccessAppender.OrderPlaced> placed;

    public void place(String stream) {
        placed.fire(new AfterSuccessAppender.OrderPlaced(stream));
    }
}
