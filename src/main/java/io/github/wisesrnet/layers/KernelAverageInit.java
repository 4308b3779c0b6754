package io.github.wisesrnet.layers;

import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sets every weight of a kernel to 1 / (its area): for a weight array of shape {@code [..., kH, kW]}, the value
 * {@code 1 / (kH kW)}, so each kernel averages what it covers. {@link HeadInit#GAP_EQUIVALENT}'s initializer;
 * kept in the layer's configuration (JSON and ModelSerializer) like DL4J's own initializers.
 */
@EqualsAndHashCode
public class KernelAverageInit implements IWeightInit {

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("KernelAverageInit needs a kernel shape [..., kH, kW], got rank "
                    + shape.length);
        }
        long area = shape[shape.length - 1] * shape[shape.length - 2];
        return paramView.assign(1.0 / area);
    }

    @Override
    public String toString() {
        return "KernelAverageInit";
    }
}
