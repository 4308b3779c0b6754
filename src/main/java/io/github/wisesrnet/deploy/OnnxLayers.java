package io.github.wisesrnet.deploy;

import io.github.wisesrnet.deploy.OnnxGraph.Attribute;
import io.github.wisesrnet.layers.WiseSrLayer;
import io.github.wisesrnet.layers.WiseSrParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * DL4J layers and vertices as standard ONNX operators (opset 13). Convolutional tensors are NCHW inside the ONNX
 * graph whatever the network's layout (an NHWC network's input is transposed once, at the start); a layer's
 * padding, which DL4J's 'Same' mode computes at run time, is written out explicitly from the layer's input size, so
 * the graph computes exactly what DL4J computes for the network's input size.
 */
final class OnnxLayers {

    /** An ONNX tensor and the DL4J type of the activations it holds (its layout says how DL4J holds them). */
    record Tensor(String name, InputType type) {
        boolean convolutional() {
            return type instanceof InputType.InputTypeConvolutional;
        }

        InputType.InputTypeConvolutional cnn() {
            return (InputType.InputTypeConvolutional) type;
        }
    }

    /** A layer or vertex that has no ONNX equivalent here; the message says why. */
    static final class UnsupportedException extends RuntimeException {
        UnsupportedException(String message) {
            super(message);
        }
    }

    private final OnnxGraph graph;

    OnnxLayers(OnnxGraph graph) {
        this.graph = graph;
    }

    /**
     * Writes one graph vertex. {@code params} are the vertex's parameters (empty for parameterless ones),
     * {@code outputType} the DL4J type of its activations.
     */
    Tensor vertex(String name, GraphVertex vertex, List<Tensor> inputs, Map<String, INDArray> params,
            InputType outputType) {
        if (vertex instanceof FrozenVertex frozen) {
            return vertex(name, frozen.getUnderlying(), inputs, params, outputType);
        }
        if (vertex instanceof LayerVertex layerVertex) {
            Tensor input = single(name, inputs);
            input = preprocess(name, layerVertex.getPreProcessor(), input);
            return layer(name, layerVertex.getLayerConf().getLayer(), input, params, outputType);
        }
        if (vertex instanceof ElementWiseVertex elementWise) {
            return elementWise(name, elementWise.getOp(), inputs, outputType);
        }
        if (vertex instanceof MergeVertex merge) {
            return merge(name, merge, inputs, outputType);
        }
        throw new UnsupportedException("graph vertex of class " + vertex.getClass().getName());
    }

    /** The network's input in ONNX's layout: an NHWC input is transposed to NCHW once. */
    Tensor networkInput(String name, InputType type) {
        if (type instanceof InputType.InputTypeConvolutional cnn && cnn.getFormat() == CNN2DFormat.NHWC) {
            String nchw = graph.node("Transpose", name + "/nchw", new Attribute[]{Attribute.ints("perm", 0, 3, 1, 2)},
                    name);
            return new Tensor(nchw, type);
        }
        return new Tensor(name, type);
    }

    /** The network's output in the network's layout: an NHWC map is transposed back from NCHW. */
    Tensor networkOutput(String name, Tensor output) {
        if (output.convolutional() && output.cnn().getFormat() == CNN2DFormat.NHWC) {
            return new Tensor(graph.node("Transpose", name + "/nhwc", new Attribute[]{Attribute.ints("perm", 0, 2, 3,
                    1)}, output.name()), output.type());
        }
        return output;
    }

    private static Tensor single(String name, List<Tensor> inputs) {
        if (inputs.size() != 1) {
            throw new UnsupportedException("a layer with " + inputs.size() + " inputs");
        }
        return inputs.get(0);
    }

    private Tensor preprocess(String name, InputPreProcessor preProcessor, Tensor input) {
        if (preProcessor == null) {
            return input;
        }
        if (preProcessor instanceof io.github.wisesrnet.graph.InputTypeRecord record) {
            // records the network's input type and computes nothing but what it wraps
            return preprocess(name, record.getWrapped(), input);
        }
        if (preProcessor instanceof CnnToFeedForwardPreProcessor flatten && input.convolutional()) {
            InputType.InputTypeConvolutional cnn = input.cnn();
            String source = input.name();
            if (flatten.getFormat() == CNN2DFormat.NHWC) {
                // DL4J flattens an NHWC map in (h, w, c) order
                source = graph.node("Transpose", name + "/nhwc", new Attribute[]{Attribute.ints("perm", 0, 2, 3, 1)},
                        source);
            }
            String flat = graph.node("Flatten", name + "/flatten", new Attribute[]{Attribute.of("axis", 1L)}, source);
            return new Tensor(flat, InputType.feedForward(cnn.getChannels() * cnn.getHeight() * cnn.getWidth()));
        }
        throw new UnsupportedException("input preprocessor " + preProcessor.getClass().getName());
    }

    private Tensor layer(String name, Layer layer, Tensor input, Map<String, INDArray> params, InputType outputType) {
        if (layer instanceof FrozenLayer frozen) {
            return layer(name, frozen.getLayer(), input, params, outputType);
        }
        if (layer instanceof FrozenLayerWithBackprop frozen) {
            return layer(name, frozen.getUnderlying(), input, params, outputType);
        }
        if (layer instanceof WiseSrLayer wiseSr) {
            return wiseSr(name, wiseSr, input, params, outputType);
        }
        if (layer instanceof ConvolutionLayer conv && (conv.getClass() == ConvolutionLayer.class
                || conv instanceof SeparableConvolution2D || conv instanceof DepthwiseConvolution2D)) {
            return activation(name, activationOf(conv), convolution(name, conv, input, params, outputType));
        }
        if (layer instanceof BatchNormalization bn) {
            // DL4J's batch normalization ignores the layer's activation (the configuration's default, often sigmoid)
            return batchNorm(name, bn, input, params);
        }
        if (layer.getClass() == ActivationLayer.class) {
            return activation(name, activationOf((ActivationLayer) layer), new Tensor(input.name(), outputType),
                    true);
        }
        if (layer.getClass() == SubsamplingLayer.class) {
            return pooling(name, (SubsamplingLayer) layer, input, outputType);
        }
        if (layer.getClass() == GlobalPoolingLayer.class) {
            return globalPooling(name, (GlobalPoolingLayer) layer, input, outputType);
        }
        if (layer.getClass() == ZeroPaddingLayer.class) {
            return zeroPadding(name, (ZeroPaddingLayer) layer, input, outputType);
        }
        if (layer.getClass() == DropoutLayer.class) {
            // dropout acts only in training
            return new Tensor(identity(name, input.name()), outputType);
        }
        if (layer.getClass() == DenseLayer.class || layer.getClass() == OutputLayer.class) {
            return activation(name, activationOf((BaseLayer) layer), dense(name, (BaseLayer) layer, input, params,
                    outputType));
        }
        throw new UnsupportedException("layer of class " + layer.getClass().getName());
    }

    private static IActivation activationOf(BaseLayer layer) {
        return layer.getActivationFn() == null ? new ActivationIdentity() : layer.getActivationFn();
    }

    private static IActivation activationOf(ActivationLayer layer) {
        return layer.getActivationFn() == null ? new ActivationIdentity() : layer.getActivationFn();
    }

    // ---- convolutions

    private Tensor convolution(String name, ConvolutionLayer conv, Tensor input, Map<String, INDArray> params,
            InputType outputType) {
        InputType.InputTypeConvolutional in = requireConvolutional(input);
        requireFormat(conv.getCnn2dDataFormat(), in);
        int[] kernel = conv.getKernelSize();
        int[] stride = conv.getStride();
        int[] dilation = conv.getDilation() == null ? new int[]{1, 1} : conv.getDilation();
        long[] pads = pads(conv.getConvolutionMode(), conv.getPadding(), kernel, stride, dilation, in,
                (InputType.InputTypeConvolutional) outputType);
        long channels = in.getChannels();
        if (conv instanceof SeparableConvolution2D separable) {
            // depthwise W [m, C, kH, kW]: output channel c*m + j takes W[j, c] (TensorFlow's order, as libnd4j)
            int m = separable.getDepthMultiplier();
            INDArray w = params.get("W");
            INDArray depthwise = w.permute(1, 0, 2, 3).dup('c').reshape('c', channels * m, 1, kernel[0], kernel[1]);
            String mid = graph.node("Conv", name + "/depthwise", convAttributes(kernel, stride, dilation, pads,
                    channels), input.name(), graph.weights(name + "/depthwise_kernel", depthwise));
            String[] inputs = withBias(name, params.get("b"), mid,
                    graph.weights(name + "/pointwise_kernel", params.get("pW")));
            return new Tensor(graph.node("Conv", name + "/pointwise", convAttributes(new int[]{1, 1},
                    new int[]{1, 1}, new int[]{1, 1}, new long[4], 1), inputs), outputType);
        }
        INDArray w;
        long group = 1;
        if (conv instanceof DepthwiseConvolution2D depthwiseLayer) {
            // W [kH, kW, C, m]: output channel c*m + j takes W[:, :, c, j]
            int m = depthwiseLayer.getDepthMultiplier();
            w = params.get("W").permute(2, 3, 0, 1).dup('c').reshape('c', channels * m, 1, kernel[0], kernel[1]);
            group = channels;
        } else {
            w = params.get("W");
        }
        String[] inputs = withBias(name, params.get("b"), input.name(), graph.weights(name + "/kernel", w));
        return new Tensor(graph.node("Conv", name + "/conv", convAttributes(kernel, stride, dilation, pads, group),
                inputs), outputType);
    }

    /**
     * A node's inputs {@code x, weights}, and the bias as a 1-D weight tensor when the layer has one (DL4J keeps no
     * bias parameter for layers without).
     */
    private String[] withBias(String name, INDArray bias, String x, String weights) {
        return bias == null ? new String[]{x, weights}
                : new String[]{x, weights, graph.weights(name + "/bias", bias.reshape(-1))};
    }

    private static Attribute[] convAttributes(int[] kernel, int[] stride, int[] dilation, long[] pads, long group) {
        return new Attribute[]{Attribute.ints("kernel_shape", kernel[0], kernel[1]),
                Attribute.ints("strides", stride[0], stride[1]), Attribute.ints("dilations", dilation[0], dilation[1]),
                Attribute.ints("pads", pads), Attribute.of("group", group)};
    }

    /**
     * ONNX pads [top, left, bottom, right]. 'Same' as DL4J computes it: output ceil(in / stride), the total padding
     * split with the smaller half first (TensorFlow's rule); 'Truncate' and 'Strict': the layer's own symmetric
     * padding.
     */
    private static long[] pads(ConvolutionMode mode, int[] padding, int[] kernel, int[] stride, int[] dilation,
            InputType.InputTypeConvolutional in, InputType.InputTypeConvolutional out) {
        if (mode == ConvolutionMode.Same) {
            long[] total = {
                    Math.max(0, (out.getHeight() - 1) * stride[0] + (long) (kernel[0] - 1) * dilation[0] + 1
                            - in.getHeight()),
                    Math.max(0, (out.getWidth() - 1) * stride[1] + (long) (kernel[1] - 1) * dilation[1] + 1
                            - in.getWidth())};
            return new long[]{total[0] / 2, total[1] / 2, total[0] - total[0] / 2, total[1] - total[1] / 2};
        }
        if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
            int[] p = padding == null ? new int[]{0, 0} : padding;
            return new long[]{p[0], p[1], p[0], p[1]};
        }
        throw new UnsupportedException("convolution mode " + mode);
    }

    // ---- normalization, pooling, padding

    private Tensor batchNorm(String name, BatchNormalization bn, Tensor input, Map<String, INDArray> params) {
        if (input.convolutional()) {
            requireFormat(bn.getCnn2DFormat(), input.cnn());
        } else if (!(input.type() instanceof InputType.InputTypeFeedForward)) {
            throw new UnsupportedException("batch normalization of " + input.type());
        }
        INDArray mean = params.get("mean").reshape(-1);
        long channels = mean.length();
        INDArray variance;
        if (bn.isUseLogStd()) {
            // DL4J keeps log10 of the running standard deviation, sqrt(var), and adds eps at inference as ONNX does
            double[] log10std = params.get("log10stdev").reshape(-1).castTo(DataType.DOUBLE).toDoubleVector();
            double[] var = new double[log10std.length];
            for (int i = 0; i < var.length; i++) {
                var[i] = Math.pow(100.0, log10std[i]);
            }
            variance = Nd4j.createFromArray(var);
        } else {
            variance = params.get("var").reshape(-1);
        }
        INDArray gamma = bn.isLockGammaBeta() ? Nd4j.valueArrayOf(new long[]{channels}, bn.getGamma(), DataType.FLOAT)
                : params.get("gamma").reshape(-1);
        INDArray beta = bn.isLockGammaBeta() ? Nd4j.valueArrayOf(new long[]{channels}, bn.getBeta(), DataType.FLOAT)
                : params.get("beta").reshape(-1);
        String out = graph.node("BatchNormalization", name + "/bn",
                new Attribute[]{Attribute.of("epsilon", (float) bn.getEps())}, input.name(),
                graph.weights(name + "/gamma", gamma), graph.weights(name + "/beta", beta),
                graph.weights(name + "/moving_mean", mean), graph.weights(name + "/moving_variance", variance));
        return new Tensor(out, input.type());
    }

    private Tensor pooling(String name, SubsamplingLayer pool, Tensor input, InputType outputType) {
        InputType.InputTypeConvolutional in = requireConvolutional(input);
        requireFormat(pool.getCnn2dDataFormat(), in);
        int[] kernel = pool.getKernelSize();
        int[] stride = pool.getStride();
        int[] dilation = pool.getDilation() == null ? new int[]{1, 1} : pool.getDilation();
        long[] pads = pads(pool.getConvolutionMode(), pool.getPadding(), kernel, stride, dilation, in,
                (InputType.InputTypeConvolutional) outputType);
        Attribute kernelShape = Attribute.ints("kernel_shape", kernel[0], kernel[1]);
        Attribute strides = Attribute.ints("strides", stride[0], stride[1]);
        Attribute padsAttribute = Attribute.ints("pads", pads);
        PoolingType type = pool.getPoolingType();
        if (type == PoolingType.MAX) {
            return new Tensor(graph.node("MaxPool", name + "/max_pool", new Attribute[]{kernelShape, strides,
                    padsAttribute, Attribute.ints("dilations", dilation[0], dilation[1])}, input.name()), outputType);
        }
        if (type == PoolingType.AVG) {
            if (dilation[0] != 1 || dilation[1] != 1) {
                throw new UnsupportedException("dilated average pooling (no ONNX AveragePool dilation before opset"
                        + " 19)");
            }
            return new Tensor(graph.node("AveragePool", name + "/avg_pool", new Attribute[]{kernelShape, strides,
                    padsAttribute, Attribute.of("count_include_pad", pool.isAvgPoolIncludePadInDivisor() ? 1L : 0L)},
                    input.name()), outputType);
        }
        throw new UnsupportedException(type + " pooling");
    }

    private Tensor globalPooling(String name, GlobalPoolingLayer pool, Tensor input, InputType outputType) {
        InputType.InputTypeConvolutional in = requireConvolutional(input);
        int[] dims = pool.getPoolingDimensions();
        int[] spatial = in.getFormat() == CNN2DFormat.NCHW ? new int[]{2, 3} : new int[]{1, 2};
        if (dims != null && !java.util.Arrays.equals(dims, spatial)) {
            throw new UnsupportedException("global pooling over dimensions " + java.util.Arrays.toString(dims));
        }
        if (!pool.isCollapseDimensions()) {
            throw new UnsupportedException("global pooling with collapseDimensions(false)");
        }
        String pooled = switch (pool.getPoolingType()) {
            case AVG -> graph.node("GlobalAveragePool", name + "/pool", input.name());
            case MAX -> graph.node("GlobalMaxPool", name + "/pool", input.name());
            case SUM -> graph.node("ReduceSum", name + "/pool", new Attribute[]{Attribute.of("keepdims", 1L)},
                    input.name(), graph.int64s(name + "/axes", 2, 3));
            default -> throw new UnsupportedException(pool.getPoolingType() + " global pooling");
        };
        return new Tensor(graph.node("Flatten", name, new Attribute[]{Attribute.of("axis", 1L)}, pooled), outputType);
    }

    private Tensor zeroPadding(String name, ZeroPaddingLayer pad, Tensor input, InputType outputType) {
        InputType.InputTypeConvolutional in = requireConvolutional(input);
        requireFormat(pad.getDataFormat(), in);
        int[] p = pad.getPadding(); // top, bottom, left, right
        String pads = graph.int64s(name + "/pads", 0, 0, p[0], p[2], 0, 0, p[1], p[3]);
        return new Tensor(graph.node("Pad", name + "/pad", input.name(), pads), outputType);
    }

    // ---- dense and the Wise-SrNet head

    private Tensor dense(String name, BaseLayer layer, Tensor input, Map<String, INDArray> params,
            InputType outputType) {
        if (!(input.type() instanceof InputType.InputTypeFeedForward)) {
            throw new UnsupportedException("dense layer on " + input.type() + " input");
        }
        String[] inputs = withBias(name, params.get("b"), input.name(),
                graph.weights(name + "/kernel", params.get("W")));
        return new Tensor(graph.node("Gemm", name + "/dense", inputs), outputType);
    }

    /**
     * {@link WiseSrLayer}: average pooling p x p, stride p, 'valid' (none for p = 1), then a depthwise convolution
     * whose kernel [C, 1, kH, kW] covers the whole pooled map, plus the bias; flattened to [N, C]. The stored weights
     * are used as they are: the non-negative constraint clips them in training, not in the forward pass.
     */
    private Tensor wiseSr(String name, WiseSrLayer layer, Tensor input, Map<String, INDArray> params,
            InputType outputType) {
        InputType.InputTypeConvolutional in = requireConvolutional(input);
        requireFormat(layer.getDataFormat(), in);
        int p = layer.getPoolSize();
        long kH = layer.getKernelHeight();
        long kW = layer.getKernelWidth();
        String pooled = input.name();
        if (p > 1) {
            pooled = graph.node("AveragePool", name + "/pre_pool", new Attribute[]{Attribute.ints("kernel_shape", p, p),
                    Attribute.ints("strides", p, p)}, input.name());
        }
        long channels = in.getChannels();
        String kernel = graph.weights(name + "/spatial_weights",
                params.get(WiseSrParamInitializer.WEIGHT_KEY).reshape('c', channels, 1, kH, kW));
        String[] inputs = withBias(name, params.get(WiseSrParamInitializer.BIAS_KEY), pooled, kernel);
        String weighted = graph.node("Conv", name + "/weighted_sum", new Attribute[]{
                Attribute.ints("kernel_shape", kH, kW), Attribute.of("group", channels)}, inputs);
        return new Tensor(graph.node("Flatten", name, new Attribute[]{Attribute.of("axis", 1L)}, weighted),
                outputType);
    }

    // ---- graph vertices

    private Tensor elementWise(String name, ElementWiseVertex.Op op, List<Tensor> inputs, InputType outputType) {
        String[] names = inputs.stream().map(Tensor::name).toArray(String[]::new);
        String out = switch (op) {
            case Add -> names.length == 2 ? graph.node("Add", name, names) : graph.node("Sum", name, names);
            case Subtract -> graph.node("Sub", name, names);
            case Average -> graph.node("Mean", name, names);
            case Max -> graph.node("Max", name, names);
            case Product -> {
                String product = names[0];
                for (int i = 1; i < names.length; i++) {
                    product = graph.node("Mul", name, product, names[i]);
                }
                yield product;
            }
            default -> throw new UnsupportedException("element-wise " + op);
        };
        return new Tensor(out, outputType);
    }

    private Tensor merge(String name, MergeVertex merge, List<Tensor> inputs, InputType outputType) {
        if (inputs.stream().allMatch(Tensor::convolutional)) {
            CNN2DFormat format = inputs.get(0).cnn().getFormat();
            int channelAxis = format == CNN2DFormat.NCHW ? 1 : 3;
            if (merge.getMergeAxis() != channelAxis) {
                throw new UnsupportedException("merge along axis " + merge.getMergeAxis() + " of " + format
                        + " maps (only the channel axis is supported)");
            }
        } else if (!inputs.stream().allMatch(t -> t.type() instanceof InputType.InputTypeFeedForward)
                || merge.getMergeAxis() != 1) {
            throw new UnsupportedException("merge of " + inputs.stream().map(t -> t.type().toString()).toList());
        }
        return new Tensor(graph.node("Concat", name, new Attribute[]{Attribute.of("axis", 1L)},
                inputs.stream().map(Tensor::name).toArray(String[]::new)), outputType);
    }

    // ---- activations

    private Tensor activation(String name, IActivation activation, Tensor input) {
        return activation(name, activation, input, false);
    }

    /** Applies {@code activation}; {@code always} writes a node even for the identity (an ActivationLayer). */
    private Tensor activation(String name, IActivation activation, Tensor input, boolean always) {
        String x = input.name();
        String out;
        if (activation instanceof ActivationIdentity) {
            return always ? new Tensor(identity(name, x), input.type()) : input;
        } else if (activation instanceof ActivationReLU relu) {
            if (relu.getMax() != null || relu.getThreshold() != null && relu.getThreshold() != 0
                    || relu.getNegativeSlope() != null && relu.getNegativeSlope() != 0) {
                throw new UnsupportedException("ReLU with max, threshold or negative slope");
            }
            out = graph.node("Relu", name, x);
        } else if (activation instanceof ActivationReLU6) {
            out = graph.node("Clip", name, x, graph.weights(name + "/min", Nd4j.scalar(0f)),
                    graph.weights(name + "/max", Nd4j.scalar(6f)));
        } else if (activation instanceof ActivationLReLU leaky) {
            out = graph.node("LeakyRelu", name, new Attribute[]{Attribute.of("alpha", (float) leaky.getAlpha())}, x);
        } else if (activation instanceof ActivationELU elu) {
            out = graph.node("Elu", name, new Attribute[]{Attribute.of("alpha", (float) elu.getAlpha())}, x);
        } else if (activation instanceof ActivationSigmoid) {
            out = graph.node("Sigmoid", name, x);
        } else if (activation instanceof ActivationHardSigmoid) {
            out = graph.node("HardSigmoid", name, new Attribute[]{Attribute.of("alpha", 0.2f),
                    Attribute.of("beta", 0.5f)}, x);
        } else if (activation instanceof ActivationTanH) {
            out = graph.node("Tanh", name, x);
        } else if (activation instanceof ActivationSoftPlus) {
            out = graph.node("Softplus", name, x);
        } else if (activation instanceof ActivationSwish) {
            out = graph.node("Mul", name, x, graph.node("Sigmoid", name + "/sigmoid", x));
        } else if (activation instanceof ActivationSoftmax) {
            if (!(input.type() instanceof InputType.InputTypeFeedForward)) {
                throw new UnsupportedException("softmax over " + input.type());
            }
            out = graph.node("Softmax", name, new Attribute[]{Attribute.of("axis", 1L)}, x);
        } else {
            throw new UnsupportedException("activation " + activation);
        }
        return new Tensor(out, input.type());
    }

    private String identity(String name, String input) {
        return graph.node("Identity", name, input);
    }

    // ---- checks

    private static InputType.InputTypeConvolutional requireConvolutional(Tensor input) {
        if (!input.convolutional()) {
            throw new UnsupportedException("a convolutional layer on " + input.type() + " input");
        }
        return input.cnn();
    }

    private static void requireFormat(CNN2DFormat layerFormat, InputType.InputTypeConvolutional in) {
        CNN2DFormat format = layerFormat == null ? CNN2DFormat.NCHW : layerFormat;
        if (format != in.getFormat()) {
            throw new UnsupportedException("a " + format + " layer on " + in.getFormat() + " activations");
        }
    }
}
