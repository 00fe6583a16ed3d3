package org.jeventstore.evolution;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The stored revision, found in metadata text as jsonb prints it and as writers write it, without parsing. */
class RevisionScanTest {

    @Test
    void metadata_without_the_key_or_without_metadata_is_absent() {
        assertThat(RevisionScan.revision(null)).isEqualTo(RevisionScan.ABSENT);
        assertThat(RevisionScan.revision("{}")).isEqualTo(RevisionScan.ABSENT);
        assertThat(RevisionScan.revision("{\"traceparent\": \"00-ab-cd-01\"}")).isEqualTo(RevisionScan.ABSENT);
        assertThat(RevisionScan.revision("null")).isEqualTo(RevisionScan.ABSENT);
    }

    @Test
    void the_top_level_key_is_read_as_printed_by_jsonb_and_as_written_compactly() {
        assertThat(RevisionScan.revision("{\"jes_revision\":3}")).isEqualTo(3);
        assertThat(RevisionScan.revision("{\"a\": 1, \"jes_revision\": 12}")).isEqualTo(12);
        assertThat(RevisionScan.revision("{ \"user\" : {\"x\": [1, {\"y\": \"}\"}]} ,\n\t\"jes_revision\" : 2 }"))
                .isEqualTo(2);
    }

    @Test
    void the_key_nested_or_inside_a_string_is_not_the_revision() {
        assertThat(RevisionScan.revision("{\"inner\": {\"jes_revision\": 5}}")).isEqualTo(RevisionScan.ABSENT);
        assertThat(RevisionScan.revision("{\"note\": \"\\\"jes_revision\\\": 5\"}")).isEqualTo(RevisionScan.ABSENT);
        assertThat(RevisionScan.revision("[{\"jes_revision\": 5}]")).isEqualTo(RevisionScan.ABSENT);
    }

    @Test
    void a_value_that_is_not_a_whole_number_of_at_least_one_is_unreadable() {
        for (String value : new String[] {"\"2\"", "0", "-1", "2.5", "1e3", "true", "null", "99999999999"}) {
            assertThat(RevisionScan.revision("{\"jes_revision\": " + value + "}")).as(value)
                    .isEqualTo(RevisionScan.UNREADABLE);
        }
    }
}
