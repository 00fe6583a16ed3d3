package org.jeventstore.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the console's files must not contain: URLs from the server's root (the web module may be deployed at any
 * context root), and anything the server's Content-Security-Policy refuses (inline scripts, styles and event
 * handlers, string evaluation). ConsoleBrowserIT shows the console working under that policy.
 */
class ConsoleSourcesTest {

    static final Path WEBAPP = Path.of("src", "main", "webapp");

    static String read(String file) throws IOException {
        return Files.readString(WEBAPP.resolve(file));
    }

    @Test
    void the_console_names_the_api_and_its_files_relative_to_the_page() throws IOException {
        Pattern fromRoot = Pattern.compile("[\"'`(]\\s*/(api|console|health|openapi)\\b|location\\.origin");
        for (String file : new String[] {"index.html", "console/console.js", "console/console.css"}) {
            assertThat(fromRoot.matcher(read(file)).find()).as(file).isFalse();
        }
        assertThat(read("console/console.js")).contains("url('api/' + path)").contains("url('api/live')");
    }

    @Test
    void the_page_has_no_inline_script_style_or_event_handler() throws IOException {
        String page = read("index.html");
        assertThat(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE).matcher(page).find())
                .as("a <script> without src").isFalse();
        assertThat(Pattern.compile("<style|\\sstyle\\s*=|\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE)
                .matcher(page).find()).as("inline style or event handler").isFalse();
        String script = read("console/console.js");
        assertThat(Pattern.compile("\\beval\\(|new Function\\(|innerHTML|\\bstyle\\s*:|'style'").matcher(script)
                .find()).as("string evaluation, HTML from strings or inline styles in console.js").isFalse();
    }
}
