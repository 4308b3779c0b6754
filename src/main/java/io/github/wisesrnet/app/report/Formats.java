package io.github.wisesrnet.app.report;

import java.util.Locale;

/** Number formats shared by the tables and the summary; all use {@link Locale#ROOT} so output never varies. */
final class Formats {

    private Formats() {
    }

    /** A fraction in [0, 1] as a percentage with two decimals ("77.70"); "-" for NaN. */
    static String percent(double fraction) {
        if (Double.isNaN(fraction)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", 100.0 * fraction);
    }

    /** A count with thousands separators ("1,234,567"). */
    static String thousands(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /**
     * A duration: one decimal under 10 s ("4.2s"), whole seconds under a minute ("45s"), then "3m12s" and
     * "1h02m03s".
     */
    static String duration(double seconds) {
        if (Double.isNaN(seconds) || seconds < 0) {
            return "-";
        }
        if (seconds < 9.95) {
            return String.format(Locale.ROOT, "%.1fs", seconds);
        }
        long total = Math.round(seconds);
        long hours = total / 3600;
        long minutes = total % 3600 / 60;
        long secs = total % 60;
        if (hours > 0) {
            return String.format(Locale.ROOT, "%dh%02dm%02ds", hours, minutes, secs);
        }
        if (minutes > 0) {
            return String.format(Locale.ROOT, "%dm%02ds", minutes, secs);
        }
        return secs + "s";
    }
}
