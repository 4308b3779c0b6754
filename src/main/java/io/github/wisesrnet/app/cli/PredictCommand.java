package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.data.ImageFiles;
import io.github.wisesrnet.deploy.OnnxClassifier;
import io.github.wisesrnet.train.RunRecord;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;

/** Top-k classes with probabilities for image files or folders. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify image files (or every image in the given folders, recursively) with a saved model:"
                + " the top-k classes with their probabilities. Unreadable images are skipped with a warning.")
final class PredictCommand implements Callable<Integer> {

    private static final List<String> IMAGE_EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Checkpoint zip, or a checkpoint folder (uses its best.zip).")
    Path model;

    @Option(names = "--top", paramLabel = "K", defaultValue = "3", description = "Classes to show per image."
            + " Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per forward pass.")
    int batch;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "dl4j", description = "dl4j (default): the"
            + " DL4J network; onnx: ONNX Runtime (needs com.microsoft.onnxruntime:onnxruntime on the class path, as in"
            + " the launcher), on an ONNX file written by 'export' or on a checkpoint exported in memory.")
    String engine;

    @Parameters(arity = "1..*", paramLabel = "IMAGE_OR_FOLDER", description = "Image files or folders.")
    List<Path> inputs;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        List<Path> files = imageFiles(inputs);
        try (Classifier classifier = switch (engine.toLowerCase(Locale.ROOT)) {
            case "dl4j" -> dl4j(model);
            case "onnx" -> onnx(model);
            default -> throw new IllegalArgumentException("Unknown --engine '" + engine + "': dl4j or onnx.");
        }) {
            int k = Math.min(top, classifier.classes().size());
            ReadableBatches.forEach(files, batch, classifier.loader(), readable -> {
                List<Path> chunk = readable.files();
                INDArray probabilities = classifier.model().apply(readable.input());
                for (int i = 0; i < chunk.size(); i++) {
                    System.out.println(chunk.get(i) + topClasses(probabilities.getRow(i), classifier.classes(), k));
                }
            });
        }
        return Main.EXIT_OK;
    }

    /** A model with its class names and its image loading; closes what the engine opened. */
    private record Classifier(Function<INDArray, INDArray> model, List<String> classes, ImageFiles loader,
            AutoCloseable resource) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            if (resource != null) {
                resource.close();
            }
        }
    }

    private static boolean isOnnxFile(Path model) {
        return model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    private static Classifier dl4j(Path model) throws IOException {
        if (isOnnxFile(model)) {
            throw new IllegalArgumentException(model + " is an ONNX file: run it with --engine onnx.");
        }
        ModelArgument saved = ModelArgument.resolve(model);
        DataSpec spec = imageSpec(saved.record());
        ComputationGraph net = saved.load();
        return new Classifier(input -> net.outputSingle(false, input), saved.record().classNames(),
                ImageFiles.like(spec), null);
    }

    /** An ONNX file as it is, or a checkpoint exported in memory (the same model 'export' would write). */
    private static Classifier onnx(Path model) throws IOException {
        OnnxClassifier onnx;
        if (isOnnxFile(model)) {
            onnx = OnnxClassifier.open(model);
        } else {
            ModelArgument saved = ModelArgument.resolve(model);
            imageSpec(saved.record()); // refuses models trained on generated data, as the DL4J engine does
            onnx = OnnxClassifier.of(ExportCommand.exportOf(saved).toBytes(),
                    Runtime.getRuntime().availableProcessors());
        }
        if (onnx.metadata().labels().isEmpty()) {
            onnx.close();
            throw new IllegalArgumentException(model + " records no class labels; export it with labels"
                    + " (OnnxExport.labels, or 'wise-srnet export').");
        }
        return new Classifier(onnx::output, onnx.metadata().labels(), onnx.imageFiles(), onnx);
    }

    private static DataSpec imageSpec(RunRecord record) {
        DataSpec spec = record.dataSpec();
        if (spec == null || spec.generated()) {
            throw new IllegalArgumentException("This model was trained on generated data, not image files; predict"
                    + " needs a model trained with --data.");
        }
        return spec;
    }

    /** "  class1 87.20%  class2 9.10%" for the k most probable classes. */
    private static String topClasses(INDArray row, List<String> classes, int k) {
        List<Integer> order = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            order.add(c);
        }
        order.sort(Comparator.comparingDouble((Integer c) -> -row.getDouble(c)));
        StringBuilder line = new StringBuilder();
        for (int j = 0; j < k; j++) {
            int c = order.get(j);
            line.append(String.format(Locale.ROOT, "  %s %.2f%%", classes.get(c), 100 * row.getDouble(c)));
        }
        return line.toString();
    }

    static List<Path> imageFiles(List<Path> inputs) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                try (Stream<Path> walk = Files.walk(input)) {
                    walk.filter(Files::isRegularFile).filter(PredictCommand::isImage).sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(input)) {
                files.add(input);
            } else {
                throw new IllegalArgumentException("No such file or folder: " + input);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("No image files (" + String.join(", ", IMAGE_EXTENSIONS) + ") in "
                    + String.join(", ", inputs.stream().map(Path::toString).toList()) + ".");
        }
        return files;
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }
}
