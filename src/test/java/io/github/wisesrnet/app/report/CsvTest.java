package io.github.wisesrnet.app.report;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CsvTest {

    @Test
    void quotesOnlyWhenNeeded() {
        assertEquals("plain", Csv.field("plain"));
        assertEquals("0.5", Csv.field("0.5"));
        assertEquals("", Csv.field(""));
        assertEquals("", Csv.field(null));
        assertEquals("\"a,b\"", Csv.field("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", Csv.field("say \"hi\""));
        assertEquals("\"two\nlines\"", Csv.field("two\nlines"));
        assertEquals("\" padded \"", Csv.field(" padded "));
    }

    @Test
    void recordJoinsFieldsAndEndsTheLine() {
        assertEquals("gap,1,,\"x,y\"\n", Csv.record(Arrays.asList("gap", "1", null, "x,y")));
        assertEquals("a\n", Csv.record(List.of("a")));
    }
}
