package io.github.wisesrnet.app.report;

import io.github.wisesrnet.app.report.HeatmapImages;
import io.github.wisesrnet.train.EpochMetrics;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws a confusion matrix as a heat map with Java2D: actual classes as rows, predicted classes as columns, class
 * names on both axes. A cell's colour is its share of the actual class's test images (so rows with few images are as
 * visible as large ones); its number is the count, drawn up to {@value #MAX_CLASSES_WITH_COUNTS} classes. Cell and
 * font sizes shrink with the number of classes so that 6 to 70 classes stay readable; beyond about 120 classes only
 * every k-th class name is written. Long names are cut in the middle.
 *
 * <p>Drawn directly rather than with XChart's heat map so that the class names can be sized and rotated to fit.
 */
final class ConfusionMatrixImage {

    /** Above this many classes the counts are left out of the cells. */
    static final int MAX_CLASSES_WITH_COUNTS = 20;

    private static final int MAX_LABEL_CHARS = 28;
    private static final int PAD = 24;
    private static final int GAP = 6;
    private static final int COLOUR_BAR_WIDTH = 16;
    private static final Color GRID = new Color(0xD0D0D0);
    private static final Color TEXT = new Color(0x202020);
    private static final Color ZERO_COUNT = new Color(0xB0B0B0);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font NOTE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font AXIS_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);

    private final long[][] confusion;
    private final String[] labels;
    private final String[] titleLines;
    private final int n;
    private final int cell;
    private final int grid;
    private final Font labelFont;
    private final Font countFont;
    private final int labelStride;
    // Layout, measured in the constructor.
    private final int labelWidth;
    private final boolean rotateColumnLabels;
    private final int columnLabelHeight;
    private final int gridX;
    private final int gridY;
    private final int width;
    private final int height;

    private ConfusionMatrixImage(String title, EpochMetrics epoch, List<String> classNames) {
        confusion = epoch.confusion();
        n = requireSquare(confusion, epoch.epoch());
        labels = labels(n, classNames);
        boolean counts = n <= MAX_CLASSES_WITH_COUNTS;
        titleLines = new String[] {title + ": confusion matrix, epoch " + epoch.epoch() + ", test top-1 "
                + Formats.percent(epoch.testTop1()) + " %",
                "Rows: actual class, columns: predicted class. Colour: share of the actual class's images"
                        + (counts ? "; numbers: counts." : ".")};
        cell = counts ? clamp(560 / n, 28, 72) : clamp(1000 / n, 8, 16);
        grid = n * cell;
        labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, counts ? 13 : clamp(cell - 3, 9, 12));
        countFont = new Font(Font.SANS_SERIF, Font.PLAIN, clamp(cell / 4 + 4, 9, 15));
        labelStride = Math.max(1, (int) Math.ceil(labelFont.getSize() / (double) cell));

        // Measure the text on a scratch image so that the real one can be sized to fit.
        Graphics2D measure = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            FontMetrics labelMetrics = measure.getFontMetrics(labelFont);
            int widest = 0;
            for (String label : labels) {
                widest = Math.max(widest, labelMetrics.stringWidth(label));
            }
            labelWidth = widest;
            rotateColumnLabels = labelWidth > cell - 4;
            columnLabelHeight = rotateColumnLabels ? labelWidth : labelMetrics.getHeight();
            int titleHeight = measure.getFontMetrics(TITLE_FONT).getHeight();
            int noteHeight = measure.getFontMetrics(NOTE_FONT).getHeight();
            int axisHeight = measure.getFontMetrics(AXIS_FONT).getHeight();
            int titleWidth = Math.max(measure.getFontMetrics(TITLE_FONT).stringWidth(titleLines[0]),
                    measure.getFontMetrics(NOTE_FONT).stringWidth(titleLines[1]));
            int colourBarLabelWidth = measure.getFontMetrics(NOTE_FONT).stringWidth("100 %");
            gridX = PAD + axisHeight + GAP + labelWidth + GAP;
            gridY = PAD + titleHeight + noteHeight + GAP * 2;
            width = Math.max(gridX + grid + GAP * 3 + COLOUR_BAR_WIDTH + GAP + colourBarLabelWidth + PAD,
                    PAD + titleWidth + PAD);
            height = gridY + grid + GAP + columnLabelHeight + GAP + axisHeight + PAD;
        } finally {
            measure.dispose();
        }
    }

    /**
     * Writes the confusion matrix of one epoch as a PNG.
     *
     * @param title      start of the title, e.g. the head's name
     * @param classNames class names, index = label; missing names are shown as the index
     * @throws IllegalArgumentException if the epoch has no confusion matrix or it is not square
     */
    static void write(Path file, String title, EpochMetrics epoch, List<String> classNames) throws IOException {
        BufferedImage image = render(title, epoch, classNames);
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("No PNG writer available to write " + file);
        }
    }

    /** Draws the confusion matrix of one epoch; see {@link #write}. */
    static BufferedImage render(String title, EpochMetrics epoch, List<String> classNames) {
        return new ConfusionMatrixImage(title, epoch, classNames).draw();
    }

    private BufferedImage draw() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            drawTitle(g);
            drawCells(g);
            drawRowLabels(g);
            drawColumnLabels(g);
            drawAxisTitles(g);
            drawColourBar(g);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void drawTitle(Graphics2D g) {
        g.setColor(TEXT);
        g.setFont(TITLE_FONT);
        g.drawString(titleLines[0], PAD, PAD + g.getFontMetrics().getAscent());
        int noteTop = PAD + g.getFontMetrics().getHeight();
        g.setFont(NOTE_FONT);
        g.drawString(titleLines[1], PAD, noteTop + g.getFontMetrics().getAscent());
    }

    private void drawCells(Graphics2D g) {
        g.setFont(countFont);
        FontMetrics metrics = g.getFontMetrics();
        for (int actual = 0; actual < n; actual++) {
            long rowTotal = 0;
            for (long count : confusion[actual]) {
                rowTotal += count;
            }
            for (int predicted = 0; predicted < n; predicted++) {
                long count = confusion[actual][predicted];
                double share = rowTotal == 0 ? 0 : count / (double) rowTotal;
                int x = gridX + predicted * cell;
                int y = gridY + actual * cell;
                g.setColor(colour(share));
                g.fillRect(x, y, cell, cell);
                String text = Long.toString(count);
                int textWidth = metrics.stringWidth(text);
                if (n <= MAX_CLASSES_WITH_COUNTS && textWidth <= cell - 2) {
                    g.setColor(count == 0 ? ZERO_COUNT : share > 0.5 ? Color.WHITE : TEXT);
                    g.drawString(text, x + (cell - textWidth) / 2,
                            y + (cell + metrics.getAscent() - metrics.getDescent()) / 2);
                }
            }
        }
        if (cell >= 12) {
            g.setColor(GRID);
            for (int i = 1; i < n; i++) {
                g.drawLine(gridX + i * cell, gridY, gridX + i * cell, gridY + grid);
                g.drawLine(gridX, gridY + i * cell, gridX + grid, gridY + i * cell);
            }
        }
        g.setColor(Color.GRAY);
        g.drawRect(gridX, gridY, grid, grid);
    }

    private void drawRowLabels(Graphics2D g) {
        g.setFont(labelFont);
        g.setColor(TEXT);
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i < n; i += labelStride) {
            int baseline = gridY + i * cell + (cell + metrics.getAscent() - metrics.getDescent()) / 2;
            g.drawString(labels[i], gridX - GAP - metrics.stringWidth(labels[i]), baseline);
        }
    }

    private void drawColumnLabels(Graphics2D g) {
        g.setFont(labelFont);
        g.setColor(TEXT);
        FontMetrics metrics = g.getFontMetrics();
        int top = gridY + grid + GAP;
        for (int i = 0; i < n; i += labelStride) {
            int textWidth = metrics.stringWidth(labels[i]);
            double centre = gridX + i * cell + cell / 2.0;
            if (rotateColumnLabels) {
                // Reads bottom to top and ends just below the grid.
                Graphics2D rotated = (Graphics2D) g.create();
                rotated.translate(centre + (metrics.getAscent() - metrics.getDescent()) / 2.0, top + textWidth);
                rotated.rotate(-Math.PI / 2);
                rotated.drawString(labels[i], 0, 0);
                rotated.dispose();
            } else {
                g.drawString(labels[i], (float) (centre - textWidth / 2.0), top + metrics.getAscent());
            }
        }
    }

    private void drawAxisTitles(Graphics2D g) {
        g.setFont(AXIS_FONT);
        g.setColor(TEXT);
        FontMetrics metrics = g.getFontMetrics();
        String predicted = "Predicted";
        int bottom = gridY + grid + GAP + columnLabelHeight + GAP;
        g.drawString(predicted, gridX + (grid - metrics.stringWidth(predicted)) / 2, bottom + metrics.getAscent());
        String actual = "Actual";
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.translate(PAD + metrics.getAscent(), gridY + (grid + metrics.stringWidth(actual)) / 2.0);
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(actual, 0, 0);
        rotated.dispose();
    }

    private void drawColourBar(Graphics2D g) {
        int x = gridX + grid + GAP * 3;
        for (int i = 0; i < grid; i++) {
            g.setColor(colour(1.0 - i / (double) (grid - 1)));
            g.drawLine(x, gridY + i, x + COLOUR_BAR_WIDTH, gridY + i);
        }
        g.setColor(Color.GRAY);
        g.drawRect(x, gridY, COLOUR_BAR_WIDTH, grid);
        g.setFont(NOTE_FONT);
        g.setColor(TEXT);
        FontMetrics metrics = g.getFontMetrics();
        int textX = x + COLOUR_BAR_WIDTH + GAP;
        g.drawString("100 %", textX, gridY + metrics.getAscent());
        g.drawString("50 %", textX, gridY + grid / 2 + (metrics.getAscent() - metrics.getDescent()) / 2);
        g.drawString("0 %", textX, gridY + grid);
    }

    private static int requireSquare(long[][] confusion, int epoch) {
        if (confusion == null || confusion.length == 0) {
            throw new IllegalArgumentException("Epoch " + epoch + " has no confusion matrix to draw");
        }
        for (long[] row : confusion) {
            if (row == null || row.length != confusion.length) {
                throw new IllegalArgumentException("Confusion matrix of epoch " + epoch + " is not square: "
                        + confusion.length + " rows, but a row of " + (row == null ? 0 : row.length));
            }
        }
        return confusion.length;
    }

    private static String[] labels(int n, List<String> classNames) {
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
            String name = classNames != null && i < classNames.size() && classNames.get(i) != null
                    ? classNames.get(i) : Integer.toString(i);
            labels[i] = shorten(name);
        }
        return labels;
    }

    /** Cuts a long name in the middle, so that names sharing a long prefix or suffix stay distinct. */
    static String shorten(String name) {
        if (name.length() <= MAX_LABEL_CHARS) {
            return name;
        }
        int head = (MAX_LABEL_CHARS - 1) / 2;
        int tail = MAX_LABEL_CHARS - 1 - head;
        return name.substring(0, head) + "\u2026" + name.substring(name.length() - tail);
    }

    /** Interpolates the colour ramp at {@code share} in [0, 1]. */
    static Color colour(double share) {
        return HeatmapImages.sequential(share);
    }

    private static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }
}
