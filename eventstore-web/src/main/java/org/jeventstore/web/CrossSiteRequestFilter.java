package org.jeventstore.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Cross-site request forgery: a browser signed in with HTTP Basic sends the credentials with every request to
 * this server, also one that a page of another site makes it send (a form it submits). So a request that may
 * change something (any method but GET, HEAD and OPTIONS) to the API is refused with 403, before any resource
 * runs, unless
 * <ul>
 *   <li>it carries the header {@value #HEADER} (any value): an HTML form cannot set a header, and a script of
 *       another origin can set one only after a CORS preflight, which this server never grants; and</li>
 *   <li>where the browser says which page sent it ({@code Origin}, else {@code Referer}), that is this server's
 *       own scheme://host:port as the request reached it. A client that sends neither (curl, a service) is not a
 *       browser and passes on the header alone.</li>
 * </ul>
 * web.xml maps it to {@code /api/*}; the container's authentication runs first, so an anonymous request is
 * still a 401.
 */
public class CrossSiteRequestFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    /** The header every state-changing API request must carry, with any value. */
    public static final String HEADER = "X-Requested-By";

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
    private static final Logger LOG = Logger.getLogger(CrossSiteRequestFilter.class.getName());

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String refusal = SAFE.contains(request.getMethod()) ? null : refusal(request);
        if (refusal == null) {
            chain.doFilter(request, response);
            return;
        }
        LOG.warning(() -> "JES0407W refused " + request.getMethod() + " " + AppendBody.clip(request.getRequestURI())
                + " of " + (request.getRemoteUser() == null ? "?" : request.getRemoteUser()) + " from "
                + request.getRemoteAddr() + ": " + refusal);
        response.setStatus(403);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(ErrorMapper.body("CrossSiteRequestRefused", refusal)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Why {@code request} is refused, or null when it may go on. */
    static String refusal(HttpServletRequest request) {
        String marker = request.getHeader(HEADER);
        if (marker == null || marker.isBlank()) {
            return "a " + AppendBody.clip(request.getMethod()) + " to the API needs the header " + HEADER
                    + " (any value): a page of another site can make a signed-in browser send a request, but not"
                    + " with this header";
        }
        String from = "Origin";
        String source = request.getHeader("Origin");
        if (source == null) {
            from = "Referer";
            source = request.getHeader("Referer");
        }
        if (source != null && !sameOrigin(source, request.getScheme(), request.getServerName(),
                request.getServerPort())) {
            return "the request comes from '" + AppendBody.clip(source) + "' (" + from + "), not from this server ("
                    + request.getScheme() + "://" + request.getServerName() + ":" + request.getServerPort()
                    + "): requests sent by pages of other sites are refused";
        }
        return null;
    }

    /**
     * Whether {@code url} (an {@code Origin}, or a {@code Referer}'s full URL) has the scheme, host and port of
     * the request; a port left out is the scheme's default. {@code Origin: null} (a sandboxed or opaque page) and
     * anything unparseable are another origin.
     */
    static boolean sameOrigin(String url, String scheme, String host, int port) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            return false;
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            return false;
        }
        int urlPort = uri.getPort() != -1 ? uri.getPort() : defaultPort(uri.getScheme());
        return uri.getScheme().equalsIgnoreCase(scheme) && bare(uri.getHost()).equals(bare(host)) && urlPort == port;
    }

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : "http".equalsIgnoreCase(scheme) ? 80 : -1;
    }

    /** A host name in lower case, an IPv6 address without its brackets. */
    private static String bare(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }
}
