package io.github.wisesrnet.app.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A table of strings rendered either as fixed-width text for a console or as a Markdown pipe table. The first column
 * is left-aligned, the others right-aligned (they hold numbers).
 */
final class TextTable {

    private static final String COLUMN_GAP = "  ";

    private final List<String> header;
    private final List<List<String>> rows;

    TextTable(List<String> header, List<List<String>> rows) {
        this.header = List.copyOf(header);
        List<List<String>> copy = new ArrayList<>();
        for (List<String> row : rows) {
            if (row.size() != header.size()) {
                throw new IllegalArgumentException("Table row has " + row.size() + " cells but the header has "
                        + header.size() + ": " + row);
            }
            copy.add(List.copyOf(row));
        }
        this.rows = List.copyOf(copy);
    }

    List<String> header() {
        return header;
    }

    List<List<String>> rows() {
        return rows;
    }

    /** Fixed-width text: header, a dashed rule, one line per row; no trailing spaces. */
    String toText() {
        int[] widths = new int[header.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = header.get(c).length();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendTextLine(out, header, widths);
        List<String> rule = new ArrayList<>();
        for (int width : widths) {
            rule.add("-".repeat(width));
        }
        appendTextLine(out, rule, widths);
        for (List<String> row : rows) {
            appendTextLine(out, row, widths);
        }
        return out.toString();
    }

    private static void appendTextLine(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                line.append(COLUMN_GAP);
            }
            String cell = cells.get(c);
            String padding = " ".repeat(widths[c] - cell.length());
            line.append(c == 0 ? cell + padding : padding + cell);
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    /** A Markdown pipe table; '|' and line breaks inside cells are escaped. */
    String toMarkdown() {
        StringBuilder out = new StringBuilder();
        appendMarkdownLine(out, header);
        List<String> alignment = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            alignment.add(c == 0 ? ":---" : "---:");
        }
        out.append('|');
        for (String cell : alignment) {
            out.append(' ').append(cell).append(" |");
        }
        out.append('\n');
        for (List<String> row : rows) {
            appendMarkdownLine(out, row);
        }
        return out.toString();
    }

    private static void appendMarkdownLine(StringBuilder out, List<String> cells) {
        out.append('|');
        for (String cell : cells) {
            out.append(' ').append(escapeMarkdown(cell)).append(" |");
        }
        out.append('\n');
    }

    private static String escapeMarkdown(String cell) {
        return cell.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", " ").replace('\n', ' ')
                .replace('\r', ' ');
    }
}
