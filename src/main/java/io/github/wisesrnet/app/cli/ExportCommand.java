package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.data.Preprocessing;
import io.github.wisesrnet.deploy.OnnxExport;
import io.github.wisesrnet.deploy.OnnxMetadata;
import io.github.wisesrnet.train.RunRecord;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** A saved model as an ONNX file, with its labels, input size and layout, and preprocessing in the metadata. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a saved model as an ONNX file (opset " + OnnxExport.OPSET + ") for ONNX Runtime and other"
                + " engines. The file's metadata holds the class labels, the input size and layout, the preprocessing"
                + " with its constants, and the library version (docs/deployment.md).")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Checkpoint zip, or a checkpoint folder (uses its best.zip).")
    Path model;

    @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "The ONNX file to write.")
    Path onnx;

    @Override
    public Integer call() throws Exception {
        ModelArgument saved = ModelArgument.resolve(model);
        OnnxExport export = exportOf(saved);
        export.write(onnx);
        OnnxMetadata metadata = export.metadata();
        System.out.printf(Locale.ROOT, "wrote %s (%.1f MB): input %s %dx%dx%d, %d classes, preprocessing %s%n", onnx,
                Files.size(onnx) / 1e6, metadata.layout(), metadata.height(), metadata.width(), metadata.channels(),
                metadata.labels().size(), metadata.preprocessing() == null ? "none"
                        : metadata.preprocessing().modeName());
        return Main.EXIT_OK;
    }

    /** The export of a saved model with what its run record says: input size and layout, labels, preprocessing. */
    static OnnxExport exportOf(ModelArgument saved) {
        RunRecord record = saved.record();
        DataSpec spec = record.dataSpec();
        ComputationGraph net = saved.load();
        OnnxExport export = OnnxExport.of(net)
                .inputType(InputType.convolutional(record.height(), record.width(), record.channels(),
                        "NHWC".equalsIgnoreCase(record.format()) ? CNN2DFormat.NHWC : CNN2DFormat.NCHW))
                .labels(record.classNames());
        if (spec != null && !spec.generated() && spec.preprocessing() != null) {
            export.preprocessing(Preprocessing.fromName(spec.preprocessing()));
        }
        return export;
    }
}
