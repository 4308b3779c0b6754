package io.github.wisesrnet.app.cli;

import picocli.CommandLine;

import java.util.List;
import picocli.CommandLine.Command;

/**
 * The {@code wise-srnet} command line. Exit codes: 0 success, 2 bad arguments or input (the message says what to
 * change), 1 a run that failed.
 */
@Command(name = "wise-srnet", mixinStandardHelpOptions = true, version = "wise-srnet-dl4j 0.1.0-SNAPSHOT",
        description = "Compare global average pooling with the Wise-SrNet head (and the paper's other heads) on"
                + " image classification with Deeplearning4j.",
        subcommands = {CompareCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class,
                ExportCommand.class, ExplainCommand.class, SummaryCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit code of a command that succeeded. */
    public static final int EXIT_OK = 0;
    /** Exit code of a run that failed (an error that is not the arguments' or input's fault). */
    public static final int EXIT_FAILED = 1;
    /**
     * Exit code for bad arguments or input ({@link IllegalArgumentException}, a missing file); the message says what to
     * change.
     */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** A configured command line, for tests and for {@link #main}. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler(new ErrorHandler());
        cli.setExecutionStrategy(parsed -> {
            Integer helpExit = CommandLine.executeHelpRequest(parsed);
            if (helpExit != null) {
                return helpExit; // --help and --version need no ND4J
            }
            // The command line owns its JVM: DL4J's oneDNN layer helpers unless -D...helpers.disable=true was given.
            io.github.wisesrnet.cpu.OneDnnHelpers.useByDefault();
            return new CommandLine.RunLast().execute(parsed);
        });
        return cli;
    }

    private static volatile List<String> arguments = List.of();

    /**
     * The program's entry point: uses the command line's logging configuration unless
     * {@code -Dlogback.configurationFile} is given, makes charts headless, runs the command and exits the JVM with its
     * exit code.
     */
    public static void main(String[] args) {
        // The command line owns its JVM: it sets up logging and headless charts (and, per command, the CPU path).
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "wise-srnet-cli-logback.xml");
        }
        io.github.wisesrnet.app.report.Headless.ensure();
        System.exit(run(args));
    }

    /** Runs the command line without exiting the JVM; returns the exit code. */
    public static int run(String... args) {
        arguments = List.of(args);
        return commandLine().execute(args);
    }

    /** The arguments of the current invocation, for run records and reports. */
    static List<String> arguments() {
        return arguments;
    }

    /** One clear paragraph instead of a stack trace; bad input gets the usage exit code. */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
            boolean badInput = e instanceof IllegalArgumentException || e instanceof java.nio.file.NoSuchFileException;
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            cli.getErr().println("error: " + message);
            if (badInput) {
                cli.getErr().println("Run '" + cli.getCommandSpec().qualifiedName() + " --help' for the options.");
            } else {
                org.slf4j.LoggerFactory.getLogger(Main.class).debug("Failure", e);
                cli.getErr().println("(run with -Dlogback.configurationFile or log level DEBUG for the stack trace)");
            }
            return badInput ? EXIT_USAGE : EXIT_FAILED;
        }
    }
}
