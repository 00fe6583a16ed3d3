package org.jeventstore.bench;

import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;
import java.util.List;
import org.jeventstore.EventType;
import org.jeventstore.EventUpcaster;
import org.jeventstore.JsonEvent;
import org.jeventstore.RecordedEvent;

/**
 * The benchmark's event as a later version of the application reads it (W6's upcasting trials): its fourth
 * revision, which the stored {@link Payload}s (revision 1, no revision key) reach through a chain of three
 * upcasters, each a realistic change: a renamed field, two fields folded into an object, a field added with a
 * default.
 */
@EventType(value = Payload.TYPE, revision = 4)
public record EvolvedPayload(String orderId, String customerId, Amount amount, String status, String shippingAddress,
                             List<Payload.Line> lines, String remark, String channel) {

    public record Amount(long cents, String currency) {
    }

    /** Looked up once, as an application's upcaster bean would hold it. */
    private static final JsonProvider JSON = JsonProvider.provider();

    /** 1 to 2: {@code note} is called {@code remark}. */
    static final EventUpcaster RENAME_NOTE = e -> {
        JsonObject v1 = e.object();
        return e.next(JSON.createObjectBuilder(v1).remove("note").add("remark", v1.get("note")).build());
    };

    /** 2 to 3: {@code amountCents} and {@code currency} become one {@code amount}. */
    static final EventUpcaster FOLD_AMOUNT = e -> {
        JsonObject v2 = e.object();
        return e.next(JSON.createObjectBuilder(v2).remove("amountCents").remove("currency")
                .add("amount", JSON.createObjectBuilder().add("cents", v2.get("amountCents"))
                        .add("currency", v2.get("currency")))
                .build());
    };

    /** 3 to 4: orders came from the web shop before there was a channel. */
    static final EventUpcaster ADD_CHANNEL = e -> e.next(JSON.createObjectBuilder(e.object()).add("channel", "web")
            .build());

    /** As {@link Workloads#touch}, for the evolved class: data and metadata asked for, the class checked. */
    static void touch(RecordedEvent e) {
        if (!(e.data() instanceof EvolvedPayload p) || p.amount() == null || !"web".equals(p.channel())
                || e.metadata().isEmpty() || e.revision() != 4) {
            throw new IllegalStateException("read back " + e + " where a Payload of revision 1 upcast to "
                    + EvolvedPayload.class.getSimpleName() + " revision 4 was expected");
        }
    }
}
