package io.github.wisesrnet.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * Generated images whose class is decided only by <em>where</em> a pattern sits: the image is divided into a
 * {@code grid x grid} board and the class is the cell holding a cross; a distractor (a hollow square) sits in
 * another random cell and carries no class information. Every class has the same patterns, only their position differs,
 * so global average pooling (which forgets position) cannot tell the classes apart, while a spatially weighted
 * head can. Deterministic for a seed.
 *
 * <p>Features are NCHW {@code [n, channels, size, size]} floats in [0, 1]; labels are one-hot {@code [n, grid^2]}.
 */
public final class SpatialPatternDataSet {

    private final int size;
    private final int margin;
    private final int channels;
    private final int grid;
    private final int patternSize;
    private final boolean distractor;

    /**
     * A generator of square images with a {@code grid x grid} board.
     *
     * @param size        image side in pixels
     * @param channels    image channels (the same pattern in every channel, with per-channel intensity)
     * @param grid        board side: {@code grid * grid} classes
     * @param margin      empty border around the board. Keep it at least the network's receptive field minus one:
     *                    a pattern closer to the image edge is seen differently by windows that the edge cuts off,
     *                    which tells even global average pooling where it is.
     * @param distractor  add a distractor pattern in another random cell. Two patterns within one receptive field
     *                    reveal their relative position, a cue GAP can use, so use it with cells wider than the
     *                    receptive field.
     * @throws IllegalArgumentException if {@code margin} is not in [0, size/2), {@code grid < 2},
     *                                  {@code channels < 1}, or a cell is narrower than 5 pixels
     */
    public SpatialPatternDataSet(int size, int channels, int grid, int margin, boolean distractor) {
        if (margin < 0 || 2 * margin >= size) {
            throw new IllegalArgumentException("margin must be in [0, size/2), got " + margin + " for size " + size);
        }
        if (grid < 2) {
            throw new IllegalArgumentException("grid must be at least 2 (4 classes), got " + grid);
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be at least 1, got " + channels);
        }
        int cell = (size - 2 * margin) / grid;
        this.patternSize = Math.max(3, (cell - 2) / 2 | 1); // odd, fits a cell with a margin
        if (cell < patternSize + 2) {
            throw new IllegalArgumentException("Images of " + size + "x" + size + " with margin " + margin
                    + " are too small for a " + grid + "x" + grid + " board: each cell needs at least 5 pixels; use"
                    + " size >= " + (2 * margin + grid * 5) + ".");
        }
        this.size = size;
        this.margin = margin;
        this.channels = channels;
        this.grid = grid;
        this.distractor = distractor;
    }

    /** Number of classes: {@code grid * grid}, one per board cell. */
    public int numClasses() {
        return grid * grid;
    }

    /** Image side in pixels (images are square). */
    public int size() {
        return size;
    }

    /** Channels of each image. */
    public int channels() {
        return channels;
    }

    /** {@code count} examples, classes balanced (example i has class i mod numClasses before shuffling). */
    public DataSet generate(int count, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[count * channels * size * size];
        float[] labels = new float[count * numClasses()];
        int[] order = shuffledClasses(count, random);
        for (int i = 0; i < count; i++) {
            int label = order[i];
            labels[i * numClasses() + label] = 1f;
            int offset = i * channels * size * size;
            for (int j = 0; j < channels * size * size; j++) {
                pixels[offset + j] = 0.15f * random.nextFloat();
            }
            draw(pixels, offset, label, true, random);
            if (distractor) {
                int other = random.nextInt(numClasses() - 1); // any cell but the class cell, so both stay visible
                draw(pixels, offset, other >= label ? other + 1 : other, false, random);
            }
        }
        INDArray features = Nd4j.create(pixels, new long[]{count, channels, size, size}, DataType.FLOAT);
        INDArray y = Nd4j.create(labels, new long[]{count, numClasses()}, DataType.FLOAT);
        return new DataSet(features, y);
    }

    private int[] shuffledClasses(int count, Random random) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i % numClasses();
        }
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Draws a cross (class pattern) or a hollow square (distractor) at a random spot inside board cell {@code cell}. */
    private void draw(float[] pixels, int offset, int cell, boolean cross, Random random) {
        int cellSize = (size - 2 * margin) / grid;
        int top = margin + (cell / grid) * cellSize + 1 + random.nextInt(cellSize - patternSize - 1);
        int left = margin + (cell % grid) * cellSize + 1 + random.nextInt(cellSize - patternSize - 1);
        int mid = patternSize / 2;
        for (int c = 0; c < channels; c++) {
            float intensity = 0.6f + 0.4f * random.nextFloat();
            for (int r = 0; r < patternSize; r++) {
                for (int q = 0; q < patternSize; q++) {
                    boolean on = cross
                            ? (r == mid || q == mid)
                            : (r == 0 || q == 0 || r == patternSize - 1 || q == patternSize - 1);
                    if (on) {
                        pixels[offset + (c * size + top + r) * size + left + q] = intensity;
                    }
                }
            }
        }
    }
}
