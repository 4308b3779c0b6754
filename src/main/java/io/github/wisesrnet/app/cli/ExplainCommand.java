package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.data.ImageFiles;
import io.github.wisesrnet.explain.Attributions;
import io.github.wisesrnet.app.report.HeatmapImages;
import io.github.wisesrnet.explain.SpatialAttribution;
import io.github.wisesrnet.explain.SpatialWeights;
import io.github.wisesrnet.train.RunRecord;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** Per image: where the top-k class scores come from, as heat maps, plus an index page. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Show where in each image a saved model's decision comes from: for the top-k classes, the"
                + " exact contribution of every feature-map position to the class score (no gradients, no"
                + " approximation), as heat maps over the image. Writes one PNG per image, index.md listing them and,"
                + " for a Wise-SrNet head, spatial-weights.png with what the head learned.",
                "Unreadable images are skipped with a warning."})
final class ExplainCommand implements Callable<Integer> {

    static final String INDEX_FILE = "index.md";
    static final String WEIGHTS_FILE = "spatial-weights.png";
    /** Most position-selective channels drawn in spatial-weights.png. */
    static final int SELECTIVE_CHANNELS = 6;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Checkpoint zip, or a checkpoint folder (uses its best.zip).")
    Path model;

    @Option(names = "--top", paramLabel = "K", defaultValue = "3", description = "Classes to explain per image."
            + " Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "explanations",
            description = "Output folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Images per forward pass"
            + " (every layer's activations are kept for a batch). Default: ${DEFAULT-VALUE}.")
    int batch;

    @Parameters(arity = "1..*", paramLabel = "IMAGE_OR_FOLDER", description = "Image files or folders (recursive).")
    List<Path> inputs;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        ModelArgument saved = ModelArgument.resolve(model);
        RunRecord record = saved.record();
        DataSpec spec = record.dataSpec();
        if (spec == null || spec.generated()) {
            throw new IllegalArgumentException("This model was trained on generated data, not image files; explain"
                    + " needs a model trained with --data.");
        }
        List<Path> files = PredictCommand.imageFiles(inputs);
        ComputationGraph net = saved.load();
        SpatialAttribution explainer = SpatialAttribution.of(net);
        ImageFiles loader = ImageFiles.like(spec);
        List<String> classes = record.classNames();
        if (top > classes.size()) {
            System.out.println("The model has " + classes.size() + " classes: explaining all of them.");
        }

        List<String> rows = new ArrayList<>();
        Map<Path, String> skipped = ReadableBatches.forEach(files, batch, loader, readable -> {
            Attributions a = explainer.explainTopK(readable.input(), top);
            for (int i = 0; i < readable.files().size(); i++) {
                Path file = readable.files().get(i);
                int number = rows.size() + 1;
                String name = String.format(Locale.ROOT, "%03d-%s.png", number, stem(file));
                HeatmapImages.writePng(HeatmapImages.explanation(
                        readable.pixels().get(NDArrayIndex.point(i)), a, i, classes, file.getFileName().toString(),
                        List.of(spec.height() + "x" + spec.width() + " as the model sees it")), out.resolve(name));
                StringBuilder predicted = new StringBuilder();
                for (int j = 0; j < a.classes()[i].length; j++) {
                    predicted.append(j == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f%%",
                            classes.get(a.classes()[i][j]), 100 * a.probabilities().getDouble(i, j)));
                }
                rows.add("| " + number + " | " + markdown(file.toString()) + " | " + markdown(predicted.toString())
                        + " | ![" + name + "](" + name + ") |");
                System.out.println(file + "  " + predicted + "  -> " + out.resolve(name));
            }
        });
        boolean weights = writeSpatialWeights(explainer);
        Path index = out.resolve(INDEX_FILE);
        Files.writeString(index, index(saved, explainer, rows, skipped, weights), StandardCharsets.UTF_8);
        System.out.println("Explanations of " + rows.size() + " image(s): " + index.toAbsolutePath());
        return Main.EXIT_OK;
    }

    private boolean writeSpatialWeights(SpatialAttribution explainer) throws java.io.IOException {
        if (explainer.spatialWeights().isEmpty()) {
            return false;
        }
        SpatialWeights w = explainer.spatialWeights().get();
        HeatmapImages.writePng(HeatmapImages.spatialWeights(w, SELECTIVE_CHANNELS, "Learned spatial weights of "
                + model.getFileName()), out.resolve(WEIGHTS_FILE));
        return true;
    }

    private String index(ModelArgument saved, SpatialAttribution explainer, List<String> rows,
            Map<Path, String> skipped, boolean weights) {
        StringBuilder md = new StringBuilder();
        md.append("# Where the decisions come from\n\n");
        md.append("Model: `").append(saved.zip()).append("` (").append(saved.record().head()).append(" head, ")
                .append(saved.record().backbone()).append(")  \n");
        md.append("Head: ").append(markdown(explainer.describeHead())).append("  \n");
        md.append("Command: `").append(CompareCommand.commandLine()).append("`\n\n");
        md.append("Each heat map is the exact contribution of every feature-map position to the class score (the"
                + " logit before softmax): red raises it, blue lowers it; the map's sum plus a constant (the biases)"
                + " is the score. Maps are computed at the feature map's resolution and stretched over the image.\n\n");
        md.append("| # | image | top classes | explanation |\n|---:|---|---|---|\n");
        rows.forEach(r -> md.append(r).append('\n'));
        if (weights) {
            md.append("\n## What the head learned\n\n![spatial weights](").append(WEIGHTS_FILE).append(")\n");
        }
        if (!skipped.isEmpty()) {
            md.append("\n## Skipped (unreadable)\n\n");
            skipped.forEach((file, why) -> md.append("- ").append(markdown(file.toString())).append(": ")
                    .append(markdown(why)).append('\n'));
        }
        return md.toString();
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return stem.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String markdown(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
