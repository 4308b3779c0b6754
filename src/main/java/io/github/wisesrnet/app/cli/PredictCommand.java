package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.data.ImageFiles;
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

    @Parameters(arity = "1..*", paramLabel = "IMAGE_OR_FOLDER", description = "Image files or folders.")
    List<Path> inputs;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        ModelArgument saved = ModelArgument.resolve(model);
        RunRecord record = saved.record();
        DataSpec spec = record.dataSpec();
        if (spec == null || spec.generated()) {
            throw new IllegalArgumentException("This model was trained on generated data, not image files; predict"
                    + " needs a model trained with --data.");
        }
        List<Path> files = imageFiles(inputs);
        ComputationGraph net = saved.load();
        ImageFiles loader = ImageFiles.like(spec);
        List<String> classes = record.classNames();
        int k = Math.min(top, classes.size());
        ReadableBatches.forEach(files, batch, loader, readable -> {
            List<Path> chunk = readable.files();
            INDArray probabilities = net.outputSingle(false, readable.input());
            for (int i = 0; i < chunk.size(); i++) {
                INDArray row = probabilities.getRow(i);
                List<Integer> order = new ArrayList<>();
                for (int c = 0; c < classes.size(); c++) {
                    order.add(c);
                }
                order.sort(Comparator.comparingDouble((Integer c) -> -row.getDouble(c)));
                StringBuilder line = new StringBuilder(chunk.get(i).toString());
                for (int j = 0; j < k; j++) {
                    int c = order.get(j);
                    line.append(String.format(Locale.ROOT, "  %s %.2f%%", classes.get(c), 100 * row.getDouble(c)));
                }
                System.out.println(line);
            }
        });
        return Main.EXIT_OK;
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
