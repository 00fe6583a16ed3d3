package com.example.accounts;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;

/** A withdrawal over the balance: 409, nothing written. */
@Provider
public class RefusedWithdrawals implements ExceptionMapper<InsufficientFunds> {

    @Override
    public Response toResponse(InsufficientFunds e) {
        return Response.status(Response.Status.CONFLICT).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "InsufficientFunds", "message", e.getMessage())).build();
    }
}
