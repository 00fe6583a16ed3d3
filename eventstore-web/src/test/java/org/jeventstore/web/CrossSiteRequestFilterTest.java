package org.jeventstore.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which {@code Origin} and {@code Referer} values name the server a request reached. */
class CrossSiteRequestFilterTest {

    static boolean same(String url, String scheme, String host, int port) {
        return CrossSiteRequestFilter.sameOrigin(url, scheme, host, port);
    }

    @Test
    void the_servers_own_scheme_host_and_port_are_its_origin_in_any_case_and_with_any_path() {
        assertThat(same("http://127.0.0.1:9080", "http", "127.0.0.1", 9080)).isTrue();
        assertThat(same("http://127.0.0.1:9080/#/subscriptions", "http", "127.0.0.1", 9080)).isTrue();
        assertThat(same("HTTP://LocalHost:9080", "http", "localhost", 9080)).isTrue();
        assertThat(same("http://reader:secret@127.0.0.1:9080/", "http", "127.0.0.1", 9080)).isTrue();
        assertThat(same("http://[::1]:9080", "http", "[::1]", 9080)).isTrue();
        assertThat(same("http://[::1]:9080", "http", "::1", 9080)).isTrue();
    }

    @Test
    void a_port_left_out_is_the_schemes_default() {
        assertThat(same("http://store.example", "http", "store.example", 80)).isTrue();
        assertThat(same("https://store.example", "https", "store.example", 443)).isTrue();
        assertThat(same("https://store.example", "https", "store.example", 9443)).isFalse();
        assertThat(same("http://store.example", "http", "store.example", 9080)).isFalse();
    }

    @Test
    void another_scheme_host_or_port_an_opaque_origin_and_garbage_are_other_origins() {
        assertThat(same("https://127.0.0.1:9080", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("http://127.0.0.1:9081", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("http://localhost:9080", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("http://evil.example", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("http://127.0.0.1.evil.example:9080", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("null", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("http://", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("not a url: at all", "http", "127.0.0.1", 9080)).isFalse();
        assertThat(same("file:///etc/passwd", "http", "127.0.0.1", 9080)).isFalse();
    }
}
