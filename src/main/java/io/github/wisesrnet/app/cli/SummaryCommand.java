package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.graph.FeatureMap;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** Shows a backbone + head: layers, parameters, feature map and head size. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Show a backbone with a head: its layers, parameters, the final feature map and the head's size.")
final class SummaryCommand implements Callable<Integer> {

    @Option(names = "--backbone", paramLabel = "NAME", defaultValue = "small-cnn",
            description = "Backbone: tiny, small-cnn, resnet50, inception-v3, densenet121, densenet169, xception. Default: ${DEFAULT-VALUE}.")
    String backbone;

    @Option(names = "--head", paramLabel = "HEAD", defaultValue = "wise-srnet", description = "Head. Default:"
            + " ${DEFAULT-VALUE}.")
    String head;

    @Option(names = "--size", paramLabel = "PIXELS", defaultValue = "96", description = "Input size (square)."
            + " Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--height", paramLabel = "PIXELS", description = "Input height (overrides --size).")
    Integer height;

    @Option(names = "--width", paramLabel = "PIXELS", description = "Input width (overrides --size).")
    Integer width;

    @Option(names = "--channels", paramLabel = "N", defaultValue = "3", description = "Input channels. Default: 3.")
    int channels;

    @Option(names = "--classes", paramLabel = "N", defaultValue = "6", description = "Number of classes. Default: 6.")
    int classes;

    @Option(names = "--layers", description = "Also print DL4J's per-layer table.")
    boolean layers;

    @Override
    public Integer call() {
        Backbone b = Backbone.fromName(backbone);
        Head h = Head.fromName(head);
        int ht = height != null ? height : size;
        int wd = width != null ? width : size;
        InputType input = InputType.convolutional(ht, wd, channels);
        ComputationGraph features = b.featureExtractor(ht, wd, channels, 0);
        ComputationGraph net = WiseSrNet.attach(features, classes, AttachOptions.builder().head(h)
                .inputTypes(input).build());
        FeatureMap map = FeatureMap.locate(features, new InputType[]{input}, null);
        if (layers) {
            System.out.println(net.summary(input));
        }
        InputType.InputTypeConvolutional m = map.mapType();
        System.out.printf(Locale.ROOT, "backbone        %s, input %dx%dx%d%n", b.cliName(), ht, wd, channels);
        System.out.printf(Locale.ROOT, "feature map     %dx%dx%d (vertex '%s', %s)%n", m.getHeight(), m.getWidth(),
                m.getChannels(), map.vertex(), m.getFormat());
        System.out.printf(Locale.ROOT, "head            %s -> %d classes%n", h, classes);
        System.out.printf(Locale.ROOT, "parameters      %,d total = %,d backbone + %,d head%n", net.numParams(),
                features.numParams(), net.numParams() - features.numParams());
        return Main.EXIT_OK;
    }
}
