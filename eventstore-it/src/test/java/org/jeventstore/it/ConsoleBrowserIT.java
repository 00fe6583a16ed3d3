package org.jeventstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jeventstore.testkit.DevUsers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (headless Chromium driven by chromedriver, both from Debian packages: see the
 * README), against a whole server: each role signs in, the live tail shows an append made through the API, a
 * reader and a writer see no admin action, an admin's actions ask for confirmation and take effect, a page of
 * another site cannot use the signed-in admin's browser for them, and the console breaks no rule of the server's
 * Content-Security-Policy. Screenshots of every page go to {@code target/screenshots} (the README's copies are in
 * docs/console).
 */
@Timeout(120)
class ConsoleBrowserIT {

    static final Path CHROMIUM = Path.of(System.getProperty("browser.binary", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("browser.driver", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    static Http http;
    WebDriver driver;

    @BeforeAll
    static void server() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install -y chromium chromium-driver (.ci/run does it)");
        }
        http = WebServer.http();
    }

    @AfterEach
    void quit() {
        if (driver != null) {
            try {
                // the console runs under the server's Content-Security-Policy: nothing of it may be refused
                List<String> refused = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .map(LogEntry::getMessage).filter(m -> m.contains("Content Security Policy")).toList();
                assertThat(refused).as("Content-Security-Policy violations in the browser's console").isEmpty();
            } finally {
                driver.quit();
            }
        }
    }

    /** A fresh browser signed in as {@code user} (HTTP Basic, reused by the page for its API calls). */
    WebDriver signIn(DevUsers user, String hash) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--disable-gpu");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(30));
        // credentials in the URL once: the browser keeps them for the origin and answers every later challenge
        String base = "127.0.0.1:" + WebServer.get().httpPort() + "/";
        driver.get("http://" + user.user() + ":" + user.password() + "@" + base + "console/console.css");
        driver.get("http://" + base + hash);
        waitFor(By.cssSelector("body[data-ready='true']"));
        assertThat(driver.findElement(By.id("me")).getText()).startsWith(user.user());
        return driver;
    }

    WebElement waitFor(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(by));
    }

    /** Clicks the {@code css} button inside {@code row}, finding both again if the page re-rendered meanwhile. */
    void clickIn(By row, String css) {
        new WebDriverWait(driver, Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(row).findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    void show(String hash, By ready) {
        driver.get(driver.getCurrentUrl().replaceAll("#.*$", "") + hash);
        waitFor(ready);
    }

    void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String append(String stream, String eventsJson) {
        Http.Response r = http.post("/api/streams/" + stream, DevUsers.WRITER.basicAuth(), eventsJson);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    @Test
    void a_reader_finds_a_stream_reads_its_events_as_pretty_json_and_sees_no_admin_action() {
        String stream = "browser-" + UUID.randomUUID();
        UUID first = UUID.randomUUID();
        append(stream, "[{\"eventId\":\"" + first + "\",\"eventType\":\"opened\",\"data\":{\"hello\":\"world\"},"
                + "\"metadata\":{\"user\":\"ada\"}},{\"eventType\":\"renamed\",\"data\":{\"to\":\"bob\"},"
                + "\"causationId\":\"" + first + "\"}]");

        signIn(DevUsers.READER, "#/streams?search=" + stream);
        WebElement row = waitFor(By.cssSelector("#streams .stream-row a"));
        assertThat(row.getText()).isEqualTo(stream);
        screenshot("streams");
        row.click();
        waitFor(By.cssSelector("#events .event-row"));
        List<WebElement> data = driver.findElements(By.cssSelector("#events pre.data"));
        assertThat(data).hasSize(2);
        assertThat(data.get(0).getText()).isEqualTo("{\n  \"hello\": \"world\"\n}");
        assertThat(driver.findElements(By.cssSelector("#events pre.metadata")).get(0).getText()).contains("\"user\": \"ada\"");
        assertThat(driver.findElements(By.cssSelector(".admin-action"))).isEmpty();
        screenshot("stream");

        // the causation link leads to the event that caused it
        driver.findElement(By.cssSelector("#events .event-row:nth-child(2) a.id-link")).click();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> d.getCurrentUrl().endsWith("?start=1"));
        assertThat(driver.getCurrentUrl()).contains("#/stream/");

        show("#/subscriptions", By.id("subscriptions"));
        assertThat(driver.findElements(By.cssSelector(".admin-action"))).isEmpty();
    }

    @Test
    void an_event_shows_its_stored_type_and_revision_next_to_what_it_is_read_as() {
        String stream = "evolved-" + UUID.randomUUID();
        append(stream, "[{\"eventType\":\"" + WebServer.LEGACY_TYPE + "\",\"data\":{\"n\":1}},"
                + "{\"eventType\":\"" + WebServer.CURRENT_TYPE + "\",\"data\":{\"n\":2},"
                + "\"metadata\":{\"jes_revision\":2}},{\"eventType\":\"t\",\"data\":{}}]");
        // the API's events carry both
        String body = http.get("/api/streams/" + stream, DevUsers.READER.basicAuth()).body();
        assertThat(body).contains("\"eventType\":\"" + WebServer.CURRENT_TYPE + "\"")
                .contains("\"storedType\":\"" + WebServer.LEGACY_TYPE + "\"").contains("\"storedRevision\":2");

        signIn(DevUsers.READER, "#/stream/" + stream);
        waitFor(By.cssSelector("#events .event-row"));
        List<WebElement> rows = driver.findElements(By.cssSelector("#events .event-row"));
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).findElement(By.cssSelector("b")).getText()).isEqualTo(WebServer.CURRENT_TYPE);
        assertThat(rows.get(0).findElement(By.cssSelector(".stored-as")).getText())
                .isEqualTo("rev 1, stored as " + WebServer.LEGACY_TYPE + " rev 1");
        assertThat(rows.get(1).findElement(By.cssSelector(".stored-as")).getText()).isEqualTo("rev 2");
        assertThat(rows.get(2).findElements(By.cssSelector(".stored-as"))).isEmpty();
    }

    @Test
    void the_live_tail_shows_an_append_made_through_the_api() {
        signIn(DevUsers.READER, "#/live");
        new WebDriverWait(driver, Duration.ofSeconds(20))
                .until(ExpectedConditions.textToBe(By.id("tail-status"), "live"));
        String stream = "tail-" + UUID.randomUUID();
        append(stream, "[{\"eventType\":\"tailed\",\"data\":{\"n\":1}}]");
        WebElement row = new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions
                .presenceOfElementLocated(By.xpath("//tbody[@id='tail-rows']/tr[1]//a[contains(text(),'" + stream + "')]")));
        assertThat(row.getText()).startsWith(stream);
        screenshot("live");
    }

    @Test
    void a_writer_sees_no_admin_action_either() {
        String stream = "writer-view-" + UUID.randomUUID();
        append(stream, "[{\"eventType\":\"t\",\"data\":{}}]");
        signIn(DevUsers.WRITER, "#/stream/" + stream);
        waitFor(By.cssSelector("#events .event-row"));
        assertThat(driver.findElements(By.cssSelector(".admin-action"))).isEmpty();
    }

    @Test
    void an_admin_deletes_a_subscription_only_once_confirmed_and_hard_deletes_a_stream() throws SQLException {
        String name = idleSubscription("console-");
        signIn(DevUsers.ADMIN, "#/subscriptions");
        By row = By.xpath("//tr[@class='subscription-row'][td[2][text()='" + name + "']]");
        waitFor(row);
        screenshot("subscriptions");

        // reset: asks for the position, then for confirmation
        clickIn(row, "button.reset");
        org.openqa.selenium.Alert ask = new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(ExpectedConditions.alertIsPresent());
        ask.sendKeys("2");
        ask.accept();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> checkpoint(name) == 2);
        // the page re-renders the table once the reset returns: wait for that render before using its buttons
        new WebDriverWait(driver, Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class)
                .until(d -> d.findElement(row).findElement(By.xpath("td[3]")).getText().equals("2"));

        clickIn(row, "button.delete");
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).dismiss();
        assertThat(subscriptionRows(name)).isEqualTo(1);

        clickIn(row, "button.delete");
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.numberOfElementsToBe(row, 0));
        assertThat(subscriptionRows(name)).isZero();

        String stream = "doomed-" + UUID.randomUUID();
        append(stream, "[{\"eventType\":\"t\",\"data\":{}}]");
        show("#/stream/" + stream, By.id("hard-delete"));
        driver.findElement(By.id("hard-delete")).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> d.getCurrentUrl().endsWith("#/streams"));
        assertThat(http.get("/api/streams/" + stream + "/info", DevUsers.READER.basicAuth()).status()).isEqualTo(404);

        show("#/servers", By.id("backlog"));
        screenshot("servers");
    }

    /** A subscription no server runs, at checkpoint 5. */
    static String idleSubscription(String prefix) throws SQLException {
        String name = prefix + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = WebServer.database().connect();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO subscriptions (stream_uuid, subscription_name, last_seen) VALUES ('$all', ?, 5)")) {
            ps.setString(1, name);
            ps.executeUpdate();
        }
        return name;
    }

    /**
     * A page of another site (another origin: the same host, another port) that the signed-in admin opens: it
     * tries to reset a subscription through the admin's browser, with a script (which cannot send the header the
     * API asks for) and then with a form that submits itself, as a forged request would.
     */
    static HttpServer otherSite(String target) throws IOException {
        String page = """
                <!DOCTYPE html>
                <html><body>
                <form id="forged" method="POST" action="%1$s" enctype="application/x-www-form-urlencoded">
                  <input type="hidden" name="position" value="0">
                </form>
                <script>
                  const target = '%1$s';
                  Promise.allSettled([
                    fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include',
                      headers: { 'X-Requested-By': 'evil' } }),
                    fetch(target, { method: 'POST', credentials: 'include', headers: { 'X-Requested-By': 'evil' } })
                  ]).then(() => document.getElementById('forged').submit());
                </script>
                </body></html>
                """.formatted(target);
        HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        site.createContext("/", exchange -> {
            byte[] body = page.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        site.start();
        return site;
    }

    @Test
    void a_page_of_another_site_cannot_make_the_signed_in_admins_browser_reset_a_subscription() throws Exception {
        String name = idleSubscription("forged-");
        signIn(DevUsers.ADMIN, "#/subscriptions");
        By row = By.xpath("//tr[@class='subscription-row'][td[2][text()='" + name + "']]");
        waitFor(row);
        String server = "http://127.0.0.1:" + WebServer.get().httpPort();
        String reset = server + "/api/admin/subscriptions/reset?stream=%24all&name=" + name + "&position=0";

        HttpServer site = otherSite(reset);
        try {
            driver.get("http://127.0.0.1:" + site.getAddress().getPort() + "/");
            // the form's answer replaces the page, unless the reset went through (204 leaves the page as it is)
            new WebDriverWait(driver, Duration.ofSeconds(20))
                    .until(d -> d.getCurrentUrl().startsWith(reset) || checkpoint(name) != 5);
            assertThat(checkpoint(name)).as("checkpoint after the forged resets").isEqualTo(5);
            // the server's refusal, not a login prompt: the browser did send the admin's credentials
            assertThat(driver.getPageSource()).contains("CrossSiteRequestRefused");
        } finally {
            site.stop(0);
        }

        // the console's own reset still works
        driver.get(server + "/#/subscriptions");
        waitFor(By.cssSelector("body[data-ready='true']"));
        waitFor(row);
        clickIn(row, "button.reset");
        org.openqa.selenium.Alert ask = new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(ExpectedConditions.alertIsPresent());
        ask.sendKeys("1");
        ask.accept();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> checkpoint(name) == 1);
    }

    static long checkpoint(String name) {
        try (Connection c = WebServer.database().connect();
             PreparedStatement ps = c.prepareStatement("SELECT last_seen FROM subscriptions WHERE subscription_name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static int subscriptionRows(String name) throws SQLException {
        try (Connection c = WebServer.database().connect();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM subscriptions WHERE subscription_name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
