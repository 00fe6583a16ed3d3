package org.jeventstore.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on the loopback interface that can turn into a black hole: after {@link #blackHole()} it forwards
 * nothing more in either direction and closes nothing, so both ends see a connection that is open and silent, as
 * across a network partition or a dead host (a half-open connection). Connections accepted while black-holed stay
 * silent too, and no connection black-holed once carries anything again: {@link #heal()} lets new ones through
 * and resets the dead ones (both their sockets closed, their places freed), as a network coming back with its
 * connection state lost would (each end learns it at its next packet). Until the heal both ends stay silent and
 * open. A dead connection one of whose ends gives up after the heal is finished then.
 *
 * <p>(Before, dead connections were kept until the proxy closed: the 20-minute campaign of seed 20261207001
 * filled all 1,024 places with them, and the proxied server could not connect again after the last heal.) (Before, dead connections
 * were kept until the proxy closed: a 20-minute campaign, seed 20261207001, filled all 1,024 places with them and
 * the proxied server could not connect again after the last heal.)
 *
 * <p>Bounded: at most {@code maxLinks} connections open at once (64 unless given), daemon threads only, and it closes itself after its
 * lifetime even if a test forgets to.
 */
public final class BlackHoleProxy implements AutoCloseable {

    private final int maxLinks;

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean blackHoled;

    public BlackHoleProxy(String targetHost, int targetPort, Duration lifetime) throws IOException {
        this(targetHost, targetPort, lifetime, 64);
    }

    /** As above, forwarding at most {@code maxLinks} connections open at once (black-holed ones included). */
    public BlackHoleProxy(String targetHost, int targetPort, Duration lifetime, int maxLinks) throws IOException {
        this.maxLinks = maxLinks;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        daemon("black-hole-proxy-accept", this::accept);
        daemon("black-hole-proxy-lifetime", () -> {
            try {
                closed.await(lifetime.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            close();
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    /** From now on nothing is forwarded on any connection, old or new; no socket is closed. */
    public void blackHole() {
        blackHoled = true;
        links.forEach(l -> l.dead = true);
    }

    /** New connections are forwarded again; the dead ones are reset (closed at both ends). */
    public void heal() {
        blackHoled = false;
        for (Link l : links) {
            if (l.dead) {
                finish(l);
            }
        }
    }

    /** Open connections, the silent ones included: each takes a place of {@code maxLinks}. */
    public int open() {
        return links.size();
    }

    private void finish(Link link) {
        link.close();
        links.remove(link);
    }

    /** Connections accepted so far (also the silent ones). */
    public int accepted() {
        return links.size();
    }

    private void accept() {
        while (closed.getCount() > 0) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (links.size() >= maxLinks) {
                closeQuietly(client);
                continue;
            }
            Link link = new Link(client, blackHoled);
            links.add(link);
            if (link.dead) {
                // held open and silent: the client's handshake gets no answer; heard only to learn it gave up
                daemon("black-hole-proxy-up", () -> pumpUp(link));
                continue;
            }
            try {
                link.upstream = new Socket();
                link.upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
            } catch (IOException e) {
                link.close();
                continue;
            }
            daemon("black-hole-proxy-up", () -> pumpUp(link));
            daemon("black-hole-proxy-down", () -> pump(link, link.upstream, client));
        }
    }

    /**
     * Client to server: copies until a side closes; once the link is dead it forwards nothing more, but goes on
     * reading (and dropping) what the client sends, to learn when the client gives up: then the link is finished
     * at once if the network is healed, else by the next {@link #heal()}.
     */
    private void pumpUp(Link link) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = link.client.getInputStream();
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                if (!link.dead) {
                    OutputStream out = link.upstream.getOutputStream();
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // a side closed
        }
        if (!link.dead) {
            finish(link); // closed by a side: pass it on
            return;
        }
        link.clientGone = true;
        if (!blackHoled) {
            finish(link); // healed already (heal() may have run before the flag was set: finishing twice is harmless)
        }
    }

    /**
     * Server to client: copies until a side closes; once the link is dead it forwards nothing more, and reads (and
     * drops) what the server sends, to learn when the server ends the session (see {@link #pumpUp}).
     */
    private void pump(Link link, Socket from, Socket to) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (!link.dead) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                if (link.dead) {
                    break; // read but swallowed
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a side closed: pass it on below, unless black-holed
        }
        if (!link.dead) {
            finish(link); // closed by a side: its place is free again
            return;
        }
        // dead: go on reading (and dropping) what the server sends, to learn when it ends the session
        try {
            InputStream in = from.getInputStream();
            while (in.read(buffer) >= 0) {
                // dropped
            }
        } catch (IOException e) {
            // ended
        }
        link.serverGone = true;
        if (!blackHoled) {
            finish(link);
        }
    }

    @Override
    public void close() {
        closed.countDown();
        closeQuietly(server);
        links.forEach(Link::close);
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    private static final class Link {
        final Socket client;
        volatile Socket upstream;
        volatile boolean dead;
        /** Dead, and its client has closed its socket. */
        volatile boolean clientGone;
        /** Dead, and the server has ended its session. */
        volatile boolean serverGone;

        Link(Socket client, boolean dead) {
            this.client = client;
            this.dead = dead;
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }
}
