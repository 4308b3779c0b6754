package io.github.wisesrnet.app.report;

import io.github.wisesrnet.explain.Attributions;
import io.github.wisesrnet.explain.SpatialWeights;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Pictures of attributions and learned spatial weights, drawn with Java2D (no display needed: set
 * {@code java.awt.headless=true} on machines without one, as the command line does).
 *
 * <p>Heat maps use a diverging scheme because attributions are signed: red where a position raises the class's
 * score, blue where it lowers it, opacity proportional to {@code |value| / max |value|} of that map, over a dimmed grey
 * copy of the image. Each map is scaled on its own, so colours compare positions within a map, not across maps; the
 * caption gives the numbers.
 */
public final class HeatmapImages {

    /** Longest side of an image panel in pixels. */
    public static final int PANEL_SIDE = 224;

    private static final int PAD = 12;
    private static final int GAP = 10;
    private static final int LINE = 16;
    private static final Color TEXT = new Color(0x202020);
    private static final Color POSITIVE = new Color(0xD7301F);
    private static final Color NEGATIVE = new Color(0x2166AC);
    /** Caption colour of a right prediction. */
    public static final Color RIGHT = new Color(0x1A7F37);
    /** Caption colour of a wrong prediction. */
    public static final Color WRONG = new Color(0xB42318);
    private static final Color[] SEQUENTIAL = {new Color(0xF7FBFF), new Color(0xC6DBEF), new Color(0x6BAED6),
            new Color(0x2171B5), new Color(0x08306B)};
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font CAPTION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font LEGEND_FONT = new Font(Font.SANS_SERIF, Font.ITALIC, 11);

    private HeatmapImages() {
    }

    /**
     * One picture in a grid with its caption lines.
     *
     * @param image   the picture
     * @param caption lines under it (cut to the picture's width)
     * @param colour  caption colour
     */
    public record Panel(BufferedImage image, List<String> caption, Color colour) {
        /**
         * Checks that {@code image} is not null and copies {@code caption}; a null {@code colour} becomes the default
         * text colour.
         */
        public Panel {
            Objects.requireNonNull(image, "image");
            caption = List.copyOf(caption);
            colour = colour == null ? TEXT : colour;
        }
    }

    /** An RGB image from pixels in [0, 255], {@code [h, w, 3]}. */
    public static BufferedImage rgb(INDArray pixels) {
        if (pixels.rank() != 3 || pixels.size(2) != 3) {
            throw new IllegalArgumentException("Expected RGB pixels [h, w, 3], got " + Arrays.toString(pixels.shape()));
        }
        int h = (int) pixels.size(0);
        int w = (int) pixels.size(1);
        float[] values = pixels.castTo(DataType.FLOAT).dup('c').data().asFloat();
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                image.setRGB(x, y, (clamp(values[i]) << 16) | (clamp(values[i + 1]) << 8) | clamp(values[i + 2]));
            }
        }
        return image;
    }

    /** The display size for an image of {@code height x width}: longest side {@link #PANEL_SIDE}. */
    public static int[] displaySize(long height, long width) {
        return displaySize(height, width, PANEL_SIDE);
    }

    /** The display size for an image of {@code height x width} with the longest side {@code side}. */
    public static int[] displaySize(long height, long width, int side) {
        double scale = (double) side / Math.max(height, width);
        return new int[]{(int) Math.max(1, Math.round(height * scale)), (int) Math.max(1, Math.round(width * scale))};
    }

    /** The image resized to {@code width x height}: nearest neighbour when enlarging (pixels stay visible). */
    public static BufferedImage resize(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        boolean enlarging = width >= image.getWidth();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, enlarging
                ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    /**
     * A signed heat map over a dimmed grey copy of {@code base}.
     *
     * @param heat  {@code [h, w]} with the size of {@code base}
     * @param scale the value drawn fully opaque (usually the map's largest absolute value); 0 draws no colour
     */
    public static BufferedImage overlay(BufferedImage base, INDArray heat, double scale) {
        int h = base.getHeight();
        int w = base.getWidth();
        if (heat.rank() != 2 || heat.size(0) != h || heat.size(1) != w) {
            throw new IllegalArgumentException("The heat map " + Arrays.toString(heat.shape()) + " does not match the"
                    + " image " + h + "x" + w);
        }
        float[] values = heat.castTo(DataType.FLOAT).dup('c').data().asFloat();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = base.getRGB(x, y);
                double grey = 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
                double dimmed = 60 + 0.6 * grey;
                double t = scale > 0 ? Math.max(-1, Math.min(1, values[y * w + x] / scale)) : 0;
                Color c = t >= 0 ? POSITIVE : NEGATIVE;
                double alpha = 0.85 * Math.abs(t);
                out.setRGB(x, y, (blend(dimmed, c.getRed(), alpha) << 16) | (blend(dimmed, c.getGreen(), alpha) << 8)
                        | blend(dimmed, c.getBlue(), alpha));
            }
        }
        return out;
    }

    /** A small 2-d array {@code [rows, cols]} drawn as blocks of {@code cell} pixels, non-negative or signed. */
    public static BufferedImage blocks(INDArray values, int cell) {
        int rows = (int) values.size(0);
        int cols = (int) values.size(1);
        double[][] v = values.castTo(DataType.DOUBLE).toDoubleMatrix();
        double max = 0;
        double min = 0;
        for (double[] row : v) {
            for (double x : row) {
                max = Math.max(max, x);
                min = Math.min(min, x);
            }
        }
        boolean signed = min < 0;
        double scale = Math.max(max, -min);
        BufferedImage out = new BufferedImage(cols * cell, rows * cell, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double t = scale > 0 ? v[r][c] / scale : 0;
                g.setColor(signed ? diverging(t) : sequential(t));
                g.fillRect(c * cell, r * cell, cell, cell);
            }
        }
        if (cell >= 6) {
            g.setColor(new Color(255, 255, 255, 90));
            for (int r = 1; r < rows; r++) {
                g.drawLine(0, r * cell, cols * cell, r * cell);
            }
            for (int c = 1; c < cols; c++) {
                g.drawLine(c * cell, 0, c * cell, rows * cell);
            }
        }
        g.dispose();
        return out;
    }

    /**
     * Panels in rows under a title, with a legend line at the bottom. Rows may have different lengths; every cell is
     * as large as the largest panel.
     */
    public static BufferedImage grid(String title, List<List<Panel>> rows, List<String> legend) {
        if (rows.isEmpty() || rows.stream().allMatch(List::isEmpty)) {
            throw new IllegalArgumentException("Nothing to draw: no panels.");
        }
        int cellW = 0;
        int cellH = 0;
        int captionLines = 0;
        int columns = 0;
        for (List<Panel> row : rows) {
            columns = Math.max(columns, row.size());
            for (Panel p : row) {
                cellW = Math.max(cellW, p.image().getWidth());
                cellH = Math.max(cellH, p.image().getHeight());
                captionLines = Math.max(captionLines, p.caption().size());
            }
        }
        cellW = Math.max(cellW, 150);
        int rowH = cellH + 4 + captionLines * LINE;
        int titleH = title == null ? 0 : 2 * LINE;
        int width = 2 * PAD + columns * cellW + (columns - 1) * GAP;
        List<String> legendLines = wrap(legend, LEGEND_FONT, width - 2 * PAD);
        int height = 2 * PAD + titleH + rows.size() * rowH + (rows.size() - 1) * GAP + legendLines.size() * LINE + 4;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        if (title != null) {
            g.setColor(TEXT);
            g.setFont(TITLE_FONT);
            g.drawString(fit(g.getFontMetrics(), title, width - 2 * PAD), PAD, PAD + LINE);
        }
        int y = PAD + titleH;
        g.setFont(CAPTION_FONT);
        for (List<Panel> row : rows) {
            int x = PAD;
            for (Panel p : row) {
                g.drawImage(p.image(), x, y, null);
                g.setColor(p.colour());
                int ty = y + p.image().getHeight() + LINE;
                for (String line : p.caption()) {
                    g.drawString(fit(g.getFontMetrics(), line, cellW), x, ty);
                    ty += LINE;
                }
                x += cellW + GAP;
            }
            y += rowH + GAP;
        }
        g.setColor(TEXT);
        g.setFont(LEGEND_FONT);
        for (String line : legendLines) {
            g.drawString(line, PAD, y + LINE - 6);
            y += LINE;
        }
        g.dispose();
        return out;
    }

    /**
     * One image's explanation: the image as the network saw it, then a heat map per explained class with its
     * probability and the numbers the map adds up to.
     *
     * @param pixels     the image, RGB in [0, 255], {@code [h, w, 3]}
     * @param a          attributions of a batch that holds this image
     * @param n          the image's index in {@code a}
     * @param classNames class names, index = class
     * @param title      title line, e.g. the file name
     * @param imageCaption caption lines under the image
     */
    public static BufferedImage explanation(INDArray pixels, Attributions a, int n, List<String> classNames,
            String title, List<String> imageCaption) {
        int[] size = displaySize(pixels.size(0), pixels.size(1));
        BufferedImage image = resize(rgb(pixels), size[1], size[0]);
        INDArray heat = a.upsampled(size[0], size[1]);
        List<Panel> row = new ArrayList<>();
        row.add(new Panel(image, imageCaption, null));
        INDArray logits = a.logits();
        for (int j = 0; j < a.classes()[n].length; j++) {
            int k = a.classes()[n][j];
            INDArray map = a.map(n, j);
            double scale = map.amaxNumber().doubleValue();
            INDArray panelHeat = heat.get(NDArrayIndex.point(n), NDArrayIndex.point(j));
            row.add(new Panel(overlay(image, panelHeat, scale), List.of(
                    String.format(Locale.ROOT, "%s  %.1f%%", className(classNames, k),
                            100 * a.probabilities().getDouble(n, j)),
                    String.format(Locale.ROOT, "score %.2f = %.2f + map sum", logits.getDouble(n, j),
                            a.constants().getDouble(n, j))), null));
        }
        return grid(title, List.of(row), legend(a));
    }

    /** The legend under heat maps. */
    public static List<String> legend(Attributions a) {
        return List.of("Red: positions that raise the class's score; blue: lower it. Each map is scaled to its own"
                + " largest |value|;", "maps are " + a.maps().size(2) + "x" + a.maps().size(3)
                + " (the feature map) stretched over the image; a map's sum plus the constant is the class score.");
    }

    /**
     * What a Wise-SrNet head learned: the mean and spread of {@code W} over channels, and the {@code channels} most
     * position-selective channels (see {@link SpatialWeights}).
     */
    public static BufferedImage spatialWeights(SpatialWeights weights, int channels, String title) {
        long kh = weights.weights().size(1);
        long kw = weights.weights().size(2);
        int cell = (int) Math.max(4, Math.min(40, 140 / Math.max(kh, kw)));
        List<Panel> summary = new ArrayList<>();
        INDArray mean = weights.mean();
        INDArray spread = weights.spread();
        summary.add(new Panel(blocks(mean, cell), List.of("mean of " + weights.channels() + " channels",
                range(mean)), null));
        summary.add(new Panel(blocks(spread, cell), List.of("std over channels", range(spread)), null));
        double[] s = weights.selectivity();
        List<Panel> selective = new ArrayList<>();
        for (int c : weights.mostSelective(channels)) {
            INDArray w = weights.channel(c);
            selective.add(new Panel(blocks(w, cell), List.of(String.format(Locale.ROOT, "channel %d, sel. %.2f",
                    c, s[c]), range(w)), null));
        }
        double[] sorted = s.clone();
        Arrays.sort(sorted);
        String stats = String.format(Locale.ROOT, "W [%d, %d, %d], pool %dx%d; selectivity median %.2f, max %.2f;"
                        + " %d channel(s) all zero", weights.channels(), kh, kw, weights.poolSize(),
                weights.poolSize(), sorted.length == 0 ? 0 : sorted[sorted.length / 2],
                sorted.length == 0 ? 0 : sorted[sorted.length - 1], weights.silentChannels());
        List<List<Panel>> rows = selective.isEmpty() ? List.of(summary) : List.of(summary, selective);
        return grid(title, rows, List.of(stats, "Each block is one position of the pooled map (a " + weights.poolSize()
                + "x" + weights.poolSize() + " window of the feature map); darker blue = larger weight, each panel"
                + " scaled to its own maximum; panels with negative weights are drawn red (positive) and blue"
                + " (negative). The paper's initialization starts W at Normal(0, 0.01); the non-negative constraint"
                + " clips it at 0 after every training step, so an untrained head still has negative weights.", "Selectivity = 1 - entropy(|W_c| / sum |W_c|) / ln(kH kW): 0 weighs"
                + " all positions equally (as GAP does), 1 puts all weight on one."));
    }

    /** Writes a PNG, creating parent folders. */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("No PNG writer available for " + file);
        }
    }

    private static String range(INDArray values) {
        return String.format(Locale.ROOT, "%.3g .. %.3g", values.minNumber().doubleValue(),
                values.maxNumber().doubleValue());
    }

    private static String className(List<String> classNames, int k) {
        return classNames != null && k < classNames.size() ? classNames.get(k) : "class " + k;
    }

    /** The lines broken at spaces so that each fits {@code width} pixels in {@code font}. */
    private static List<String> wrap(List<String> lines, Font font, int width) {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        FontMetrics metrics = g.getFontMetrics(font);
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            StringBuilder current = new StringBuilder();
            for (String word : line.split(" ")) {
                String candidate = current.isEmpty() ? word : current + " " + word;
                if (metrics.stringWidth(candidate) > width && !current.isEmpty()) {
                    out.add(current.toString());
                    current = new StringBuilder(word);
                } else {
                    current = new StringBuilder(candidate);
                }
            }
            out.add(fit(metrics, current.toString(), width));
        }
        g.dispose();
        return out;
    }

    /** Cuts {@code text} with an ellipsis so that it fits {@code width} pixels. */
    private static String fit(FontMetrics metrics, String text, int width) {
        if (metrics.stringWidth(text) <= width) {
            return text;
        }
        String cut = text;
        while (!cut.isEmpty() && metrics.stringWidth(cut + "…") > width) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "…";
    }

    /**
     * The sequential blue ramp of this project's pictures (learned weights here, confusion matrices in the
     * report): white at 0 to dark blue at 1, linear between five stops; values outside [0, 1] are clamped.
     */
    public static Color sequential(double t) {
        double x = Math.max(0, Math.min(1, t)) * (SEQUENTIAL.length - 1);
        int i = (int) Math.min(SEQUENTIAL.length - 2, Math.floor(x));
        double f = x - i;
        Color a = SEQUENTIAL[i];
        Color b = SEQUENTIAL[i + 1];
        return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }

    private static Color diverging(double t) {
        Color c = t >= 0 ? POSITIVE : NEGATIVE;
        double a = Math.min(1, Math.abs(t));
        return new Color(blend(255, c.getRed(), a), blend(255, c.getGreen(), a), blend(255, c.getBlue(), a));
    }

    private static int blend(double base, int colour, double alpha) {
        return clamp((float) (base * (1 - alpha) + colour * alpha));
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }
}
