package org.jeventstore.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Headers on every answer of the web module (the console's page and files, the API, its errors), set before
 * anything is written so that an error answer carries them too:
 * <ul>
 *   <li>{@code Content-Security-Policy}: scripts, styles and connections only from this server, no inline
 *       script or style (the console has none), no plugins, no {@code <base>}, forms post only here, and no
 *       page may frame these ({@code frame-ancestors 'none'}, with {@code X-Frame-Options: DENY} for older
 *       browsers): another site cannot overlay the console's admin buttons with its own;</li>
 *   <li>{@code X-Content-Type-Options: nosniff}: a JSON answer that echoes a caller's text is never run as a
 *       script or shown as HTML;</li>
 *   <li>{@code Referrer-Policy: same-origin}: the console's URLs (stream ids) do not leave with a link, and its
 *       own requests still name it, which {@link CrossSiteRequestFilter} checks when there is no Origin.</li>
 * </ul>
 */
public class SecurityHeadersFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; object-src 'none';"
            + " base-uri 'none'; form-action 'self'";

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "same-origin");
        chain.doFilter(request, response);
    }
}
