package org.jeventstore.web;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * Everything that is not a store error: the API's own refusals (413, 400), JAX-RS's (404 no such path, 405, 415
 * wrong content type), and any other failure as a 500 whose body names only a log reference.
 */
@Provider
public class FailureMapper implements ExceptionMapper<Throwable> {

    @Override
    public Response toResponse(Throwable e) {
        if (e instanceof RequestProblem p) {
            return ErrorMapper.json(p.status(), "InvalidRequestException", p.getMessage());
        }
        if (e instanceof WebApplicationException w && w.getResponse() != null
                && w.getResponse().getStatus() < 500) {
            Response.StatusType status = w.getResponse().getStatusInfo();
            return ErrorMapper.json(status.getStatusCode(), "HttpError", status.getStatusCode() + " "
                    + status.getReasonPhrase());
        }
        return ErrorMapper.json(500, "InternalError", ErrorMapper.serverFailure(e, "the request failed inside"
                + " the server"));
    }
}
