package io.github.wisesrnet.app.cli;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.data.ClassificationData;
import io.github.wisesrnet.data.DataSpec;
import io.github.wisesrnet.app.compare.Comparison;
import io.github.wisesrnet.app.compare.HeadResult;
import io.github.wisesrnet.train.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Trains one head with checkpoints (best and last) and a run record; can resume. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one backbone + head with the paper's recipe, saving best.zip, last.zip and run.json"
                + " under models/<name>/<head>/ after every epoch. --resume continues from last.zip.")
final class TrainCommand implements Callable<Integer> {

    @Mixin
    DataOptions dataOptions;

    @Mixin
    TrainingOptions trainingOptions;

    @Option(names = "--head", paramLabel = "HEAD", defaultValue = "wise-srnet",
            description = "Head: gap, gap-dropout, depthwise, depthwise-nonneg, wise-srnet, wise-srnet-dropout,"
                    + " flatten-fc. Default: ${DEFAULT-VALUE}.")
    String head;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "train",
            description = "Run name; checkpoints go to --models or models/<name>. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--models", paramLabel = "DIR", description = "Checkpoint folder. Default: models/<name>.")
    Path models;

    @Option(names = "--resume", description = "Continue the run saved in the checkpoint folder.")
    boolean resume;

    @Override
    public Integer call() throws java.io.IOException {
        Head chosen = Head.fromName(head);
        TrainingConfig config = trainingOptions.config(dataOptions.images());
        Backbone backbone = trainingOptions.backbone(dataOptions.images());
        DataSpec spec = trainingOptions.checkedDataSpec(dataOptions, config, backbone, resume);
        ClassificationData data = spec.load(dataOptions.workers());
        Path modelDir = models != null ? models : Path.of("models", name);
        System.out.println("Data: " + data.description());
        System.out.println("Training " + backbone.cliName() + " + " + chosen + ", " + config.describe());
        HeadResult result = new Comparison(backbone, List.of(chosen), config, modelDir, resume,
                CompareCommand.commandLine(), spec).run(data, new ConsoleProgress(chosen.name())).get(0);
        System.out.printf(Locale.ROOT, "%s %.2f%% (epoch %d), final %.2f%%. Checkpoints: %s%n",
                result.chosenOnValidation() ? "Test top-1 at the best validation epoch"
                        : "Best test top-1 (chosen on test)",
                100 * result.best().testTop1(), result.best().epoch(), 100 * result.last().testTop1(),
                modelDir.resolve(chosen.cliName()).toAbsolutePath());
        return Main.EXIT_OK;
    }
}
