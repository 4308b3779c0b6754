package io.github.wisesrnet.explain;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.image.ResizeBilinear;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Objects;

/**
 * Exact spatial attributions of a batch: for image {@code n} and its {@code j}-th explained class
 * {@code k = classes[n][j]}, the class score (the logit before softmax) is
 * <pre>
 *   logit = constants[n, j] + sum_{h,w} maps[n, j, h, w]
 * </pre>
 * where {@code maps[n, j, h, w]} is what the feature map's position {@code (h, w)} adds to that score, summed over
 * channels. Positive values raise the class's score, negative values lower it.
 *
 * @param classes       explained class indices per image, {@code [n][k]} (ranked by probability for top-k)
 * @param maps          {@code [n, k, H, W]} at the feature map's resolution (float)
 * @param constants     {@code [n, k]}: the part of each score that no position carries (the biases)
 * @param probabilities {@code [n, k]}: the network's softmax output for those classes
 */
public record Attributions(int[][] classes, INDArray maps, INDArray constants, INDArray probabilities) {

    /**
     * Checks that no component is null and that {@code maps} is {@code [n, k, H, W]} with one row per image of
     * {@code classes}.
     *
     * @throws IllegalArgumentException if {@code maps} has another rank or number of images
     */
    public Attributions {
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(maps, "maps");
        Objects.requireNonNull(constants, "constants");
        Objects.requireNonNull(probabilities, "probabilities");
        if (maps.rank() != 4 || maps.size(0) != classes.length) {
            throw new IllegalArgumentException("maps must be [n, k, H, W] with n = " + classes.length + ", got "
                    + Arrays.toString(maps.shape()));
        }
    }

    /** The attributions of several batches with the same number of classes, in order, as one. */
    public static Attributions concat(java.util.List<Attributions> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("Nothing to concatenate.");
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int[][] classes = parts.stream().flatMap(a -> Arrays.stream(a.classes())).toArray(int[][]::new);
        return new Attributions(classes,
                Nd4j.concat(0, parts.stream().map(Attributions::maps).toArray(INDArray[]::new)),
                Nd4j.concat(0, parts.stream().map(Attributions::constants).toArray(INDArray[]::new)),
                Nd4j.concat(0, parts.stream().map(Attributions::probabilities).toArray(INDArray[]::new)));
    }

    /** Number of images. */
    public int size() {
        return classes.length;
    }

    /** The class scores (logits) the maps add up to: {@code constants + sum over positions}, {@code [n, k]}. */
    public INDArray logits() {
        return maps.sum(2, 3).addi(constants);
    }

    /** The map {@code [H, W]} of image {@code n}'s {@code j}-th explained class. */
    public INDArray map(int n, int j) {
        return maps.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n), org.nd4j.linalg.indexing.NDArrayIndex.point(j))
                .dup();
    }

    /**
     * The maps resized to {@code height x width} (usually the input image's size) with bilinear interpolation on
     * pixel centres, for display: {@code [n, k, height, width]}. Each map value stands for the input region whose
     * centre maps to that position; the stretch is the usual approximation for class activation maps. Resizing does
     * not keep sums: use {@link #maps()} for numbers.
     */
    public INDArray upsampled(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("height and width must be positive, got " + height + "x" + width);
        }
        INDArray nhwc = maps.permute(0, 2, 3, 1).dup('c');
        // With its output array given: ND4J 1.0.0-M2.1 cannot infer the output shape of resize_bilinear.
        INDArray resized = Nd4j.create(nhwc.dataType(), nhwc.size(0), height, width, nhwc.size(3));
        Nd4j.exec(new ResizeBilinear(nhwc, resized, height, width, false, true));
        return resized.permute(0, 3, 1, 2).dup('c');
    }
}
