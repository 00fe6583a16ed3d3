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
                statement = json.replaceAll(m -> Matcher.quoteReplacement(f.store(m.group(1))));
            }
            cache.putIfAbsent(name, statement);
        }
        return statement;
    }

    /** Forgets the statements made for the store's column type (it is to be detected again). */
    public void forgetFormat() {
        cache.clear();
    }

    /** An append or link statement with the stream-locking fragment for an expected version put in. */
    public String withStream(String statement, String streamFragment) {
        return compose(statement, "/*STREAM*/", streamFragment);
    }

    /**
     * A page read with the stream-finding fragment put in, and the stream id its rows are matched on: a parameter
     * for {@code $all} ({@code target-all}; the caller binds 0 before the page's bounds), otherwise the target's
     * (see read-page-forward.sql).
     */
    public String withTarget(String statement, String targetFragment) {
        return cached(statement + "+" + targetFragment, () -> get(statement)
                .replace("/*TARGET*/", get(targetFragment)).replace("/*STREAM_ID*/",
                        "target-all".equals(targetFragment) ? "?::bigint" : "(SELECT stream_id FROM target)"));
    }

    private String compose(String statement, String marker, String fragment) {
        return cached(statement + "+" + fragment, () -> get(statement).replace(marker, get(fragment)));
    }

    /** Not computeIfAbsent: building a composition loads its parts into the same map. */
    private String cached(String key, Supplier<String> build) {
        String composed = cache.get(key);
        if (composed == null) {
            composed = build.get();
            cache.put(key, composed);
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
