package io.github.wisesrnet.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * One epoch with DL4J's {@link ParallelWrapper} (parameter averaging): the batches go to the workers, their training
 * losses are collected by a listener on every worker, and progress advances as batches are handed out. At the end the
 * network holds the averaged parameters and updater state. The wrapper is built per epoch: it copies the network
 * (with its epoch counter, which the learning-rate schedule reads) when it starts, and stops its workers when the
 * pass ends.
 */
final class ParallelEpoch {

    private ParallelEpoch() {
    }

    static DistributedEpoch fit(ComputationGraph net, DataSetIterator batches, ParallelTraining parallel,
            ProgressReporter progress) {
        LossListener losses = new LossListener();
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net)
                .workers(parallel.workers())
                .averagingFrequency(parallel.averagingFrequency())
                .prefetchBuffer(0) // the image iterator prefetches itself; 0 keeps progress on this thread
                .build();
        wrapper.setListeners(losses);
        ProgressIterator counted = new ProgressIterator(batches, progress, losses);
        try {
            wrapper.fit(counted);
        } finally {
            wrapper.shutdown();
        }
        return new DistributedEpoch(losses.mean(), counted.examples);
    }

    /** Each worker's loss per batch (a worker's score is its batch's mean loss). */
    private static final class LossListener extends BaseTrainingListener {
        private final DoubleAdder sum = new DoubleAdder();
        private final LongAdder count = new LongAdder();

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            sum.add(model.score());
            count.increment();
        }

        double mean() {
            long n = count.sum();
            return n == 0 ? Double.NaN : sum.sum() / n;
        }
    }

    /** The epoch's batches, reporting progress as the wrapper takes them. */
    private static final class ProgressIterator implements DataSetIterator {
        private final DataSetIterator source;
        private final ProgressReporter progress;
        private final LossListener losses;
        private long examples;

        ProgressIterator(DataSetIterator source, ProgressReporter progress, LossListener losses) {
            this.source = source;
            this.progress = progress;
            this.losses = losses;
        }

        @Override
        public boolean hasNext() {
            return source.hasNext();
        }

        @Override
        public DataSet next() {
            DataSet batch = source.next();
            examples += batch.numExamples();
            progress.examplesDone(batch.numExamples(), losses.mean());
            return batch;
        }

        @Override
        public DataSet next(int num) {
            return next();
        }

        @Override
        public int inputColumns() {
            return source.inputColumns();
        }

        @Override
        public int totalOutcomes() {
            return source.totalOutcomes();
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException("one pass per epoch");
        }

        @Override
        public int batch() {
            return source.batch();
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            source.setPreProcessor(preProcessor);
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return source.getPreProcessor();
        }

        @Override
        public List<String> getLabels() {
            return source.getLabels();
        }
    }
}
