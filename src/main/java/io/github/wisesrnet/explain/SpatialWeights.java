package io.github.wisesrnet.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The spatial weights a Wise-SrNet head learned: {@code W [C, kH, kW]}, one kernel per channel over the pooled map
 * (each position stands for a {@code p x p} window of the feature map).
 *
 * <p><b>Position selectivity</b> of channel {@code c}: {@code 1 - H(q_c) / ln(kH kW)}, where
 * {@code q_c = |W_c| / sum |W_c|} is the channel's weight as a distribution over positions and {@code H} its entropy.
 * 0 means the channel weighs every position equally (what GAP does); 1 means all its weight sits on one position.
 * A channel whose weights are all zero (the non-negative constraint can switch one off) has no distribution: its
 * selectivity is 0 and it is counted by {@link #silentChannels()}.
 *
 * @param weights  {@code [C, kH, kW]}
 * @param poolSize the pre-pooling window {@code p}
 */
public record SpatialWeights(INDArray weights, int poolSize) {

    /**
     * Checks that {@code weights} is not null and has rank 3.
     *
     * @throws IllegalArgumentException if {@code weights} is not {@code [C, kH, kW]}
     */
    public SpatialWeights {
        Objects.requireNonNull(weights, "weights");
        if (weights.rank() != 3) {
            throw new IllegalArgumentException("weights must be [C, kH, kW], got " + Arrays.toString(weights.shape()));
        }
    }

    /** Number of channels {@code C}: one kernel each. */
    public int channels() {
        return (int) weights.size(0);
    }

    /** Mean over channels, {@code [kH, kW]}. */
    public INDArray mean() {
        return weights.mean(0);
    }

    /** Standard deviation over channels (population), {@code [kH, kW]}. */
    public INDArray spread() {
        return weights.std(false, 0);
    }

    /** Channel {@code c}'s kernel {@code [kH, kW]}. */
    public INDArray channel(int c) {
        return weights.get(NDArrayIndex.point(c)).dup();
    }

    /** Position selectivity per channel (see the class comment), in [0, 1]. */
    public double[] selectivity() {
        long positions = weights.size(1) * weights.size(2);
        double[] s = new double[channels()];
        if (positions < 2) {
            return s;
        }
        double[][] rows = Arrays.stream(weights.reshape(channels(), positions).toDoubleMatrix())
                .toArray(double[][]::new);
        for (int c = 0; c < s.length; c++) {
            double total = Arrays.stream(rows[c]).map(Math::abs).sum();
            if (total == 0) {
                continue;
            }
            double entropy = 0;
            for (double w : rows[c]) {
                double q = Math.abs(w) / total;
                if (q > 0) {
                    entropy -= q * Math.log(q);
                }
            }
            s[c] = Math.max(0, 1 - entropy / Math.log(positions));
        }
        return s;
    }

    /** The {@code n} most position-selective channels, most selective first (ties: lower index first). */
    public int[] mostSelective(int n) {
        double[] s = selectivity();
        return IntStream.range(0, s.length).boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> -s[c]).thenComparing(c -> c))
                .limit(Math.max(0, n)).mapToInt(Integer::intValue).toArray();
    }

    /** Channels whose weights are all zero: the head ignores them. */
    public int silentChannels() {
        double[] maxAbs = weights.reshape(channels(), -1).amax(1).toDoubleVector();
        return (int) Arrays.stream(maxAbs).filter(v -> v == 0).count();
    }
}
