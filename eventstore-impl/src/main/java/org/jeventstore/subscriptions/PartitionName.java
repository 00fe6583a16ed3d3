package org.jeventstore.subscriptions;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The one place that knows how partitions are named and placed. Partition {@code index} (1-based) of
 * {@code count} of the partitioned subscription {@code family} is the subscriptions row
 * {@code <family>#<index>/<count>}; names that end so are reserved for partitions (a subscription of its own cannot
 * be called so, {@link #reserved}), so that a row name says unambiguously whose partition it is. A key goes to
 * the partition of its CRC-32 (of its {@code toString()}), so every server and every JVM agrees.
 */
public record PartitionName(String family, int index, int count) {

    private static final Pattern SUFFIX = Pattern.compile("#([0-9]+)/([0-9]+)$");

    public PartitionName {
        if (count < 2 || index < 1 || index > count) {
            throw new IllegalArgumentException("partition " + index + " of " + count + " of '" + family + "'");
        }
    }

    /** Partition {@code zeroBased} + 1 of {@code count}. */
    public static PartitionName of(String family, int zeroBased, int count) {
        return new PartitionName(family, zeroBased + 1, count);
    }

    /** The partition of {@code key} among {@code count} (0-based): CRC-32 of its string form, modulo the count. */
    public static int placeOf(Object key, int count) {
        CRC32 crc = new CRC32();
        crc.update(String.valueOf(key).getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % count);
    }

    /** The partition a subscriptions row stands for, or empty when it names none. */
    public static Optional<PartitionName> parse(String rowName) {
        Matcher m = SUFFIX.matcher(rowName);
        if (!m.find() || m.start() == 0) {
            return Optional.empty();
        }
        try {
            int index = Integer.parseInt(m.group(1));
            int count = Integer.parseInt(m.group(2));
            return count >= 2 && index >= 1 && index <= count
                    ? Optional.of(new PartitionName(rowName.substring(0, m.start()), index, count))
                    : Optional.empty();
        } catch (NumberFormatException tooLong) {
            return Optional.empty();
        }
    }

    /** Whether a subscription's own name ends like a partition row (and so is refused). */
    public static boolean reserved(String name) {
        Matcher m = SUFFIX.matcher(name);
        return m.find() && m.start() > 0;
    }

    /** Whether {@code rowName} is one of {@code family}'s partitions (of any count). */
    public static boolean isPartitionOf(String rowName, String family) {
        return parse(rowName).map(p -> p.family().equals(family)).orElse(false);
    }

    /** The subscription a row belongs to: the family of a partition, else the row itself. */
    public static String familyOf(String rowName) {
        return parse(rowName).map(PartitionName::family).orElse(rowName);
    }

    /** The subscriptions row of this partition. */
    public String rowName() {
        return family + "#" + index + "/" + count;
    }
}
