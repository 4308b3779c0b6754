package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.train.EpochMetrics;
import io.github.wisesrnet.train.ProgressReporter;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.util.Locale;

/**
 * Progress bars with ETA and images/s for each training and test phase, on the terminal; one log line per update
 * when the output is not a terminal (CI logs).
 */
final class ConsoleProgress implements ProgressReporter {

    private final String runLabel;
    private ProgressBar bar;

    ConsoleProgress(String runLabel) {
        this.runLabel = runLabel;
    }

    @Override
    public void phaseStarted(String label, int epoch, int epochs, long totalExamples) {
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "%s %d/%d %s", runLabel, epoch, epochs, label))
                .setInitialMax(totalExamples)
                .setUnit(" img", 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII);
        if (System.console() == null) {
            builder.setConsumer(new DelegatingProgressBarConsumer(new ChangedLinesOnly()))
                    .setUpdateIntervalMillis(30_000);
        }
        bar = builder.build();
    }

    @Override
    public void examplesDone(long examples, double runningLoss) {
        if (bar != null) {
            bar.stepBy(examples);
            bar.setExtraMessage(Double.isNaN(runningLoss) ? "" : String.format(Locale.ROOT, " loss %.4f", runningLoss));
        }
    }

    @Override
    public void phaseFinished() {
        if (bar != null) {
            bar.close();
            bar = null;
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

    /**
     * Prints a progress line only when the progress itself changed: the progress bar renders its last state twice when
     * it closes (once more on top of the final refresh), and a log would show the line twice. The part before the
     * times ("... 100% [===] 100/100 img") is compared, so the elapsed time alone does not make a line new.
     */
    static final class ChangedLinesOnly implements java.util.function.Consumer<String> {
        private String lastProgress;

        @Override
        public void accept(String line) {
            int times = line.indexOf(" (");
            String progress = times < 0 ? line : line.substring(0, times);
            if (!progress.equals(lastProgress)) {
                System.err.println(line);
                lastProgress = progress;
            }
        }
    }
}
