package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.train.ProgressReporter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.util.Locale;

/**
 * Progress bars with ETA and images/s for each training and test phase on a terminal. When the output is not a
 * terminal (CI logs, redirected output), plain lines instead: one every 30 s and one when the phase ends, each printed
 * once (the progress bar library renders from a background thread, which in a log shows as repeated or inconsistent
 * lines).
 */
final class ConsoleProgress implements ProgressReporter {

    private static final long LOG_INTERVAL_NANOS = 30_000_000_000L;

    private final String runLabel;
    private final boolean terminal;
    private ProgressBar bar;
    private LogLines log;

    ConsoleProgress(String runLabel) {
        this(runLabel, System.console() != null);
    }

    ConsoleProgress(String runLabel, boolean terminal) {
        this.runLabel = runLabel;
        this.terminal = terminal;
    }

    @Override
    public void phaseStarted(String label, int epoch, int epochs, long totalExamples) {
        String task = String.format(Locale.ROOT, "%s %d/%d %s", runLabel, epoch, epochs, label);
        if (!terminal) {
            log = new LogLines(task, totalExamples);
            return;
        }
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(totalExamples)
                .setUnit(" img", 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .build();
    }

    @Override
    public void examplesDone(long examples, double runningLoss) {
        if (bar != null) {
            bar.stepBy(examples);
            bar.setExtraMessage(Double.isNaN(runningLoss) ? "" : String.format(Locale.ROOT, " loss %.4f", runningLoss));
        }
        if (log != null) {
            log.add(examples, runningLoss);
        }
    }

    @Override
    public void phaseFinished() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        if (log != null) {
            log.print();
            log = null;
        }
    }
    @Override
    public void epochFinished(EpochMetrics m) {
        System.out.printf(Locale.ROOT, "%s epoch %d: train loss %.4f acc %s |%s test loss %.4f top-1 %.2f%%%s |"
                        + " %.0f s, %.0f img/s%n", runLabel, m.epoch(), m.trainLoss(),
                Double.isNaN(m.trainAccuracy()) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * m.trainAccuracy()),
                m.hasValidation() ? String.format(Locale.ROOT, " val loss %.4f top-1 %.2f%% |", m.valLoss(),
                        100 * m.valTop1()) : "",
                m.testLoss(), 100 * m.testTop1(),
                Double.isNaN(m.testTop5()) ? "" : String.format(Locale.ROOT, " top-5 %.2f%%", 100 * m.testTop5()),
                m.seconds(), m.imagesPerSecond());
    }

    /** A phase's progress as plain log lines: at most one per 30 s while it runs, and the final one. */
    private static final class LogLines {
        private final String task;
        private final long total;
        private final long start = System.nanoTime();
        private long lastPrinted = start;
        private long done;
        private double loss = Double.NaN;

        LogLines(String task, long total) {
            this.task = task;
            this.total = total;
        }

        void add(long examples, double runningLoss) {
            done += examples;
            loss = runningLoss;
            if (System.nanoTime() - lastPrinted >= LOG_INTERVAL_NANOS) {
                print();
            }
        }

        void print() {
            long now = System.nanoTime();
            lastPrinted = now;
            double seconds = (now - start) / 1e9;
            System.err.printf(Locale.ROOT, "%s %d/%d img (%.0f%%), %.0f s, %.0f img/s%s%n", task, done, total,
                    total > 0 ? 100.0 * done / total : 100.0, seconds, seconds > 0 ? done / seconds : 0.0,
                    Double.isNaN(loss) ? "" : String.format(Locale.ROOT, ", loss %.4f", loss));
        }
    }
}
