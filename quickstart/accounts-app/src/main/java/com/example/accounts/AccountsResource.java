package com.example.accounts;

import jakarta.ejb.EJB;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * {@code POST /accounts/api/accounts/{id}} opens, {@code .../deposits} and {@code .../withdrawals} move money
 * (optional {@code expectedVersion}: the version the client last saw), {@code GET .../{id}} reads the durable
 * read model, {@code GET /accounts/api/accounts} the in-memory overview of this server.
 */
@Path("accounts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AccountsResource {

    public record Opening(String owner) {
    }

    public record Movement(long amount, Long expectedVersion) {
    }

    @EJB
    Accounts accounts;

    @Inject
    BalanceReadModel balances;

    @Inject
    AccountsOverview overview;

    @POST
    @Path("{id}")
    public Response open(@PathParam("id") String id, Opening body) {
        if (body == null || body.owner() == null || body.owner().isBlank()) {
            throw new BadRequestException("an owner is required");
        }
        long version = accounts.open(id, body.owner());
        return Response.status(Response.Status.CREATED).entity(Map.of("id", id, "version", version)).build();
    }

    @POST
    @Path("{id}/deposits")
    public Map<String, Object> deposit(@PathParam("id") String id, Movement body) {
        return Map.of("id", id, "version", accounts.deposit(id, amount(body), body.expectedVersion()));
    }

    @POST
    @Path("{id}/withdrawals")
    public Map<String, Object> withdraw(@PathParam("id") String id, Movement body) {
        return Map.of("id", id, "version", accounts.withdraw(id, amount(body), body.expectedVersion()));
    }

    /** The durable read model: the same on every server, a moment behind the writes. */
    @GET
    @Path("{id}")
    public BalanceReadModel.Balance balance(@PathParam("id") String id) {
        return balances.find(id).orElseThrow(() -> new NotFoundException("no account " + id + " (yet)"));
    }

    /** This server's in-memory overview, rebuilt from the start of $all whenever the server starts. */
    @GET
    public AccountsOverview.Summary overview() {
        return overview.summary();
    }

    private static long amount(Movement body) {
        if (body == null || body.amount() <= 0) {
            throw new BadRequestException("a positive amount is required");
        }
        return body.amount();
    }
}
