package org.jeventstore.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jeventstore.DataFormat;
import org.jeventstore.config.SchemaName;

/**
 * The store's SQL statements, one per {@code .sql} resource next to this class, with the quoted schema name
 * substituted once. Resources are loaded with this class's own class loader (in an EAR it differs from the
 * thread's), and cached.
 */
public final class Sql {

    private static final String DIR = "sql/";
    /** Where a statement stores JSON text: {@code ${json:expression}}, written for the store's column type. */
    private static final Pattern JSON = Pattern.compile("\\$\\{json:([^}]*)\\}");
    private final SchemaName schema;
    private final Supplier<DataFormat> format;
    private final Map<String, String> cache = new ConcurrentHashMap<>();
    private final Map<String, NamedStatement> namedCache = new ConcurrentHashMap<>();

    /** For statements that store no JSON. */
    public Sql(SchemaName schema) {
        this(schema, () -> {
            throw new IllegalStateException("this Sql was made without the store's data columns");
        });
    }

    /** @param format the store's JSON column type, asked (once per statement) by statements that store JSON */
    public Sql(SchemaName schema, Supplier<DataFormat> format) {
        this.schema = schema;
        this.format = format;
    }

    public SchemaName schema() {
        return schema;
    }

    /**
     * The statement in {@code <name>.sql}, schema substituted, and JSON written for the store's column type (which
     * may take a round trip to find, once: outside computeIfAbsent).
     */
    public String get(String name) {
        String statement = cache.get(name);
        if (statement == null) {
            statement = raw(name).replace("${schema}", schema.quoted());
            Matcher json = JSON.matcher(statement);
            if (json.find()) {
                DataFormat f = format.get();
                statement = json.replaceAll(m -> Matcher.quoteReplacement(DataColumns.store(f, m.group(1))));
            }
            cache.putIfAbsent(name, statement);
        }
        return statement;
    }

    /** Forgets the statements made for the store's column type (it is to be detected again). */
    public void forgetFormat() {
        cache.clear();
        namedCache.clear();
    }

    /** The statement in {@code <name>.sql}, whose inputs are named ({@code :name}; see {@link NamedStatement}). */
    public NamedStatement named(String name) {
        NamedStatement statement = namedCache.get(name);
        if (statement == null) { // get() may ask the database for the column type: outside computeIfAbsent
            statement = NamedStatement.parse(name + ".sql", get(name));
            namedCache.putIfAbsent(name, statement);
        }
        return statement;
    }

    /**
     * An append or link statement with the CTE that takes the stream's row for an expected version
     * ({@code append-stream-*.sql}, put where the statement says {@code ${stream}}). Kept apart because the four
     * ways to take the row are the only difference between four otherwise equal statements of 60 lines.
     */
    public NamedStatement withStream(String statement, String streamCte) {
        String key = statement + "+" + streamCte;
        NamedStatement composed = namedCache.get(key);
        if (composed == null) { // not computeIfAbsent: get() fills the other cache, and may ask the database
            String text = get(statement);
            if (!text.contains("${stream}")) {
                throw new IllegalStateException("statement " + statement + ".sql has no ${stream} to put "
                        + streamCte + ".sql in");
            }
            composed = NamedStatement.parse(key, text.replace("${stream}", get(streamCte)));
            namedCache.putIfAbsent(key, composed);
        }
        return composed;
    }

    static String raw(String name) {
        String path = DIR + name + ".sql";
        try (InputStream in = Sql.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("SQL resource " + path + " is missing next to " + Sql.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read SQL resource " + path, e);
        }
    }
}
