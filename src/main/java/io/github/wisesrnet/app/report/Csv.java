package io.github.wisesrnet.app.report;

import java.util.List;

/**
 * Minimal CSV writing after RFC 4180: fields are separated by commas and quoted only when they contain a comma, a
 * double quote, a line break, or leading or trailing spaces; quotes inside quoted fields are doubled. Records end
 * with '\n'.
 */
public final class Csv {

    private Csv() {
    }

    /** One record: the fields joined with commas, followed by a line break. */
    public static String record(List<String> fields) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(field(fields.get(i)));
        }
        return out.append('\n').toString();
    }

    /** A field, quoted if needed; null is written as an empty field. */
    public static String field(String value) {
        if (value == null) {
            return "";
        }
        boolean quote = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0 || !value.equals(value.strip());
        return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }
}
