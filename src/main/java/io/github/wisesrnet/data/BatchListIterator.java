package io.github.wisesrnet.data;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.NoSuchElementException;

/** A resettable {@link DataSetIterator} over batches already in memory. */
final class BatchListIterator implements DataSetIterator {

    private final List<DataSet> batches;
    private final List<String> labels;
    private DataSetPreProcessor preProcessor;
    private int position;

    /**
     * Iterates over copies of the two lists (the batches themselves are not copied).
     *
     * @param batches the batches, in the order {@link #next()} returns them; at least one
     * @param labels  the class names, index = label
     * @throws IllegalArgumentException if {@code batches} is empty
     */
    BatchListIterator(List<DataSet> batches, List<String> labels) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no batches");
        }
        this.batches = List.copyOf(batches);
        this.labels = List.copyOf(labels);
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("batches are fixed; use next()");
    }

    @Override
    public int inputColumns() {
        return (int) (batches.get(0).getFeatures().length() / batches.get(0).numExamples());
    }

    @Override
    public int totalOutcomes() {
        return (int) batches.get(0).getLabels().size(1);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public void reset() {
        position = 0;
    }

    @Override
    public int batch() {
        return batches.get(0).numExamples();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return labels;
    }

    @Override
    public boolean hasNext() {
        return position < batches.size();
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        DataSet batch = batches.get(position++);
        if (preProcessor != null) {
            batch = batch.copy();
            preProcessor.preProcess(batch);
        }
        return batch;
    }
}
