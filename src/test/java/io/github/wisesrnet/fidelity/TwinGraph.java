package io.github.wisesrnet.fidelity;

import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DL4J network as the PyTorch twin ({@code src/test/python/twin_steps.py}) reads it: its vertices in topological
 * order, each with what the twin needs to compute it with PyTorch's own operations, and its parameters by vertex and
 * DL4J parameter name, in DL4J's layouts. Only what the project's backbones and heads use is described; anything
 * else fails here, by name, rather than being computed differently on the other side.
 */
final class TwinGraph {

    private TwinGraph() {
    }

    /** The vertices of {@code net} in topological order, as maps that become the JSON of case.json. */
    static List<Map<String, Object>> describe(ComputationGraph net) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : conf.getTopologicalOrderStr()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", name);
            if (conf.getNetworkInputs().contains(name)) {
                v.put("kind", "input");
                out.add(v);
                continue;
            }
            v.put("inputs", conf.getVertexInputs().get(name));
            GraphVertex vertex = conf.getVertices().get(name);
            if (vertex instanceof ElementWiseVertex add) {
                if (add.getOp() != ElementWiseVertex.Op.Add) {
                    throw new IllegalArgumentException(name + ": element-wise " + add.getOp() + " not in the twin");
                }
                v.put("kind", "add");
            } else if (vertex instanceof LayerVertex layerVertex) {
                describeLayer(name, layerVertex.getLayerConf().getLayer(), v);
                v.put("params", new ArrayList<>(net.getLayer(name).paramTable(false).keySet()));
            } else {
                throw new IllegalArgumentException(name + ": vertex " + vertex.getClass().getSimpleName()
                        + " not in the twin");
            }
            out.add(v);
        }
        return out;
    }

    private static void describeLayer(String name, Layer layer, Map<String, Object> v) {
        if (layer instanceof ConvolutionLayer conv && layer.getClass() == ConvolutionLayer.class) {
            v.put("kind", "conv");
            v.put("kernel", conv.getKernelSize());
            v.put("stride", conv.getStride());
            v.put("padding", conv.getPadding());
            v.put("dilation", conv.getDilation());
            v.put("mode", conv.getConvolutionMode().name());
            v.put("activation", activation(name, conv.getActivationFn()));
        } else if (layer instanceof BatchNormalization bn) {
            if (bn.isLockGammaBeta()) {
                throw new IllegalArgumentException(name + ": batch norm with fixed gamma/beta not in the twin");
            }
            v.put("kind", "batchnorm");
            v.put("eps", bn.getEps());
            v.put("decay", bn.getDecay());
        } else if (layer instanceof ActivationLayer act) {
            v.put("kind", "activation");
            v.put("activation", activation(name, act.getActivationFn()));
        } else if (layer instanceof SubsamplingLayer pool && layer.getClass() == SubsamplingLayer.class) {
            if (pool.getPoolingType() != PoolingType.MAX) {
                throw new IllegalArgumentException(name + ": " + pool.getPoolingType() + " pooling not in the twin");
            }
            v.put("kind", "maxpool");
            v.put("kernel", pool.getKernelSize());
            v.put("stride", pool.getStride());
            v.put("padding", pool.getPadding());
            v.put("dilation", pool.getDilation());
            v.put("mode", pool.getConvolutionMode().name());
        } else if (layer instanceof ZeroPaddingLayer pad) {
            v.put("kind", "zeropad");
            v.put("padding", pad.getPadding()); // top, bottom, left, right
        } else if (layer instanceof GlobalPoolingLayer global) {
            if (global.getPoolingType() != PoolingType.AVG) {
                throw new IllegalArgumentException(name + ": global " + global.getPoolingType() + " not in the twin");
            }
            v.put("kind", "gap");
        } else if (layer instanceof WiseSrLayer wise) {
            v.put("kind", "wise");
            v.put("pool", wise.getPoolSize());
            v.put("nonNegative", wise.isNonNegative());
        } else if (layer instanceof OutputLayer output) {
            if (!(output.getLossFn() instanceof LossMCXENT) || !(output.getActivationFn() instanceof ActivationSoftmax)) {
                throw new IllegalArgumentException(name + ": only softmax with cross-entropy is in the twin");
            }
            v.put("kind", "dense");
            v.put("activation", "softmax");
        } else if (layer instanceof DenseLayer dense) {
            v.put("kind", "dense");
            v.put("activation", activation(name, dense.getActivationFn()));
        } else {
            throw new IllegalArgumentException(name + ": layer " + layer.getClass().getSimpleName()
                    + " not in the twin");
        }
        if (layer instanceof BaseLayer base && base.getIDropout() != null) {
            throw new IllegalArgumentException(name + ": dropout is random, so not in a step-for-step comparison");
        }
    }

    private static String activation(String name, IActivation fn) {
        if (fn instanceof ActivationIdentity) {
            return "identity";
        }
        if (fn instanceof ActivationReLU relu && relu.toString().equals(new ActivationReLU().toString())) {
            return "relu";
        }
        if (fn instanceof ActivationSoftmax) {
            return "softmax";
        }
        throw new IllegalArgumentException(name + ": activation " + fn + " not in the twin");
    }

    /** Every parameter of {@code net} (batch-norm statistics included) by "vertex.key", as DL4J holds them. */
    static Map<String, INDArray> parameters(ComputationGraph net) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : net.getConfiguration().getTopologicalOrderStr()) {
            if (net.getVertex(name).hasLayer()) {
                net.getLayer(name).paramTable(false).forEach((key, value) -> out.put(name + "." + key, value));
            }
        }
        return out;
    }
}
