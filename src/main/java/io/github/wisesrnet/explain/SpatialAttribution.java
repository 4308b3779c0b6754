package io.github.wisesrnet.explain;

import io.github.wisesrnet.Head;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where in the feature map a trained network's class scores come from, exactly. Every head the library attaches is
 * linear up to its softmax, so with the feature map {@code x[c, h, w]}, the head's full-map kernel
 * {@code K[c, h, w]} (Wise-SrNet's W spread over its pooling windows and divided by p², zero on rows and columns that
 * 'valid' pooling drops; {@code 1/(H W)} for GAP), the head bias {@code b[c]} and the dense layer {@code D[k, c]},
 * {@code d[k]}:
 * <pre>
 *   logit_k = d[k] + sum_c D[k, c] b[c] + sum_{h,w} A_k[h, w],    A_k[h, w] = sum_c D[k, c] K[c, h, w] x[c, h, w]
 * </pre>
 * {@code A_k} needs no gradients and no approximation. For GAP it is the classic class activation map (CAM) divided
 * by {@code H W}. The flatten head ({@link Head#FLATTEN_FC}) has a kernel per class and is covered the same way; dropout
 * is the identity at inference. Not covered: heads that are not linear before the softmax (max pooling, a hidden
 * dense layer with an activation, a backbone's convolutional classifier); {@link #of} says which layer is in the way.
 *
 * <pre>{@code
 * SpatialAttribution explainer = SpatialAttribution.of(model);
 * Attributions a = explainer.explainTopK(images, 3);       // maps [n, 3, H, W] at the feature map's resolution
 * INDArray heat = a.upsampled(224, 224);                  // for display over the input
 * }</pre>
 *
 * Works for NCHW and NHWC networks and every backbone; maps are always {@code [n, k, H, W]}.
 */
public final class SpatialAttribution {

    private final ComputationGraph net;
    private final LinearHead head;

    private SpatialAttribution(ComputationGraph net, LinearHead head) {
        this.net = net;
        this.head = head;
    }

    /**
     * Reads the head of a trained network (its parameters are read when this is called; create a new instance
     * after further training).
     *
     * @throws IllegalArgumentException if the network's head is not linear up to its softmax, naming the layer
     */
    public static SpatialAttribution of(ComputationGraph net) {
        Objects.requireNonNull(net, "net");
        return new SpatialAttribution(net, LinearHead.of(net));
    }

    /** The head's reduction: global average pooling, Wise-SrNet spatial weights, or average pooling + flatten. */
    public Head.Pooling pooling() {
        return head.pooling();
    }

    /** Name of the vertex whose output is the feature map. */
    public String featureMapVertex() {
        return head.mapVertex();
    }

    /** Number of classes the output layer scores. */
    public int numClasses() {
        return head.numClasses();
    }

    /** One line on the head as read, e.g. "Wise-SrNet weighting 'wise_sr' (p=2, W [32, 3, 3]) -> softmax 'predictions'". */
    public String describeHead() {
        return head.description();
    }

    /** The learned spatial weights of a Wise-SrNet head (and the depthwise variants); empty for the other heads. */
    public Optional<SpatialWeights> spatialWeights() {
        return head.spatialWeights() == null ? Optional.empty()
                : Optional.of(new SpatialWeights(head.spatialWeights().dup(), head.poolSize()));
    }

    /** Attributions of the given classes (the same for every image), in the order given. */
    public Attributions explain(INDArray input, int... classes) {
        Objects.requireNonNull(classes, "classes");
        if (classes.length == 0) {
            throw new IllegalArgumentException("Give at least one class to explain.");
        }
        for (int k : classes) {
            if (k < 0 || k >= numClasses()) {
                throw new IllegalArgumentException("Class " + k + " is outside 0.." + (numClasses() - 1)
                        + " (the network has " + numClasses() + " classes).");
            }
        }
        Forward forward = forward(input);
        int[][] chosen = new int[(int) forward.map.size(0)][];
        Arrays.fill(chosen, classes.clone());
        return attribute(forward, chosen);
    }

    /** Attributions of each image's {@code k} most probable classes, most probable first. */
    public Attributions explainTopK(INDArray input, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        Forward forward = forward(input);
        int top = Math.min(k, numClasses());
        int n = (int) forward.map.size(0);
        int[][] chosen = new int[n][];
        for (int i = 0; i < n; i++) {
            chosen[i] = topClasses(forward.probabilities.getRow(i), top);
        }
        return attribute(forward, chosen);
    }

    private record Forward(INDArray map, INDArray probabilities) {
    }

    /** The feature map (as NCHW float) and the network's output, from one forward pass in inference mode. */
    private Forward forward(INDArray input) {
        Objects.requireNonNull(input, "input");
        if (input.rank() != 4) {
            throw new IllegalArgumentException("Expected a batch of images [n, c, h, w] (NCHW) or [n, h, w, c] (NHWC),"
                    + " got shape " + Arrays.toString(input.shape()));
        }
        // feedForward keeps every vertex's activation; ComputationGraph.output(List<String>, ...) would keep only the
        // two needed, but fails in DL4J 1.0.0-M2.1 (null workspace manager), so batches should stay small.
        Map<String, INDArray> activations = net.feedForward(new INDArray[]{input}, false, true);
        INDArray map = activations.get(head.mapVertex());
        INDArray output = activations.get(head.outputVertex());
        if (map.rank() != 4) {
            throw new IllegalStateException("Vertex '" + head.mapVertex() + "' produced shape "
                    + Arrays.toString(map.shape()) + ", not a 4d feature map");
        }
        if (head.format() == CNN2DFormat.NHWC) {
            map = map.permute(0, 3, 1, 2);
        }
        return new Forward(map.castTo(DataType.FLOAT).dup('c'), output.castTo(DataType.FLOAT));
    }

    private Attributions attribute(Forward forward, int[][] classes) {
        INDArray map = forward.map;
        long n = map.size(0);
        long channels = map.size(1);
        long height = map.size(2);
        long width = map.size(3);
        int k = classes[0].length;
        INDArray maps = Nd4j.zeros(DataType.FLOAT, n, k, height, width);
        INDArray constants = Nd4j.zeros(DataType.FLOAT, n, k);
        INDArray probabilities = Nd4j.zeros(DataType.FLOAT, n, k);
        // Per class, computed once for the batch: its full-map kernel and its constant.
        Map<Integer, INDArray> kernels = new HashMap<>();
        Map<Integer, Double> classConstants = new HashMap<>();
        for (int i = 0; i < n; i++) {
            INDArray x = map.get(NDArrayIndex.point(i)); // [C, H, W]
            for (int j = 0; j < k; j++) {
                int cls = classes[i][j];
                INDArray kernel = kernels.computeIfAbsent(cls,
                        c -> head.contributionKernel(c, channels, height, width));
                maps.get(NDArrayIndex.point(i), NDArrayIndex.point(j)).assign(kernel.mul(x).sum(0));
                constants.putScalar(i, j, classConstants.computeIfAbsent(cls, head::constant));
                probabilities.putScalar(i, j, forward.probabilities.getDouble(i, cls));
            }
        }
        return new Attributions(classes, maps, constants, probabilities);
    }

    /** Indices of the {@code k} largest values, largest first (ties: lower index first). */
    static int[] topClasses(INDArray probabilities, int k) {
        double[] p = probabilities.toDoubleVector();
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        int[] top = new int[k];
        for (int i = 0; i < k; i++) {
            top[i] = order[i];
        }
        return top;
    }
}
