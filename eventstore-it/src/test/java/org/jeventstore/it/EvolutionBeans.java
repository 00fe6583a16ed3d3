package org.jeventstore.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jeventstore.EventSubscription;
import org.jeventstore.EventType;
import org.jeventstore.EventUpcaster;
import org.jeventstore.JsonEvent;
import org.jeventstore.MultiEventUpcaster;
import org.jeventstore.Upcaster;

/**
 * An application whose order events have history: today's class at revision 3 under its third name, the CDI
 * beans that upcast its older revisions, one that splits a retired batch event into orders, and a typed projector.
 */
public class EvolutionBeans {

    static final String TYPE = "it-order-placed";

    @EventType(value = TYPE, aliases = "Elixir.Shop.Events.OrderCreated", revision = 3)
    public record OrderPlaced(String orderId, long totalCents, String currency) {
    }

    /** 1 to 2: the Elixir service's snake_case key. */
    @ApplicationScoped
    @Upcaster(type = TYPE, revision = 1)
    public static class RenameOrderId implements EventUpcaster {
        @Override
        public JsonEvent upcast(JsonEvent event) {
            JsonObject v1 = event.object();
            return event.next(Json.createObjectBuilder(v1).remove("order_id").add("orderId", v1.get("order_id"))
                    .build());
        }
    }

    /** 2 to 3: a decimal string in euros becomes cents and a currency. */
    @ApplicationScoped
    @Upcaster(type = TYPE, revision = 2)
    public static class TotalInCents implements EventUpcaster {
        @Override
        public JsonEvent upcast(JsonEvent event) {
            JsonObject v2 = event.object();
            long cents = new BigDecimal(v2.getString("total")).movePointRight(2).longValueExact();
            return event.next(Json.createObjectBuilder(v2).remove("total").add("totalCents", cents)
                    .add("currency", "EUR").build());
        }
    }

    /** A retired event that carried several orders: one order event each. */
    @ApplicationScoped
    @Upcaster(type = "it-order-batch", revision = 1)
    public static class SplitBatch implements MultiEventUpcaster {
        @Override
        public List<JsonEvent> upcast(JsonEvent event) {
            List<JsonEvent> orders = new ArrayList<>();
            for (JsonValue order : event.object().getJsonArray("orders")) {
                orders.add(event.as(TYPE, 3, order));
            }
            return orders;
        }
    }

    @ApplicationScoped
    public static class OrderProjector {
        final List<OrderPlaced> orders = new CopyOnWriteArrayList<>();

        void on(@Observes @EventSubscription(name = "it-orders", stream = "it-orders") OrderPlaced order) {
            orders.add(order);
        }

        public List<OrderPlaced> orders() {
            return orders;
        }
    }
}
