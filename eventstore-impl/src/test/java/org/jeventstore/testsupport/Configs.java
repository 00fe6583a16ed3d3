package org.jeventstore.testsupport;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/** MicroProfile Config in tests, without a Config implementation. */
public final class Configs {

    private Configs() {
    }

    /** A Config holding only {@code values} (what the CDI runtime asks: optional string values). */
    public static Config config(Map<String, String> values) {
        return (Config) Proxy.newProxyInstance(Configs.class.getClassLoader(), new Class<?>[] {Config.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getOptionalValue") && args[1] == String.class) {
                        return Optional.ofNullable(values.get((String) args[0]));
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
