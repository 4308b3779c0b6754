package io.github.wisesrnet;

import io.github.wisesrnet.data.SpatialPatternDataSet;
import io.github.wisesrnet.explain.Attributions;
import io.github.wisesrnet.explain.SpatialAttribution;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attributions mean what they should on the generated spatial task (24x24, a 2x2 board, class = the cell holding
 * the cross): after training, the Wise-SrNet head's map of the class it predicts peaks inside that class's cell;
 * GAP's map peaks on the cross wherever it is, so it points into the predicted class's cell only as often as chance.
 *
 * <p>Measured with three data seeds (1/2 below, 5/6, 9/10; 400 test images each): Wise-SrNet 1.00 of peaks inside
 * the predicted class's cell every time,
 * GAP 0.25, 0.22, 0.25; thresholds 0.90 and 0.25 + 0.15.
 */
class AttributionMeaningTest {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AttributionMeaningTest.class);

    private static final int SIZE = 24;
    private static final int GRID = 2;
    private static final int MARGIN = 4;
    /** The tiny backbone's two 'valid' 3x3 convolutions: map position h is centred on input row h + 2. */
    private static final int OFFSET = 2;

    @Test
    void wiseSrNetMapsPointToTheClassCellAndGapMapsDoNot() {
        SpatialPatternDataSet data = new SpatialPatternDataSet(SIZE, 1, GRID, MARGIN, false);
        DataSet train = data.generate(800, 1);
        DataSet test = data.generate(400, 2);

        double wise = peaksInPredictedCell(trained(Head.WISE_SRNET, train, data.numClasses()), test);
        double gap = peaksInPredictedCell(trained(Head.GAP, train, data.numClasses()), test);
        double chance = 1.0 / data.numClasses();
        log.info("Peak of the predicted class's map inside its cell: Wise-SrNet {}, GAP {} (chance {})", wise, gap,
                chance);
        assertTrue(wise >= 0.90, "Wise-SrNet: only " + wise + " of peaks in the predicted class's cell");
        assertTrue(gap <= chance + 0.15, "GAP: " + gap + " of peaks in the predicted class's cell, not near chance");
    }

    private static ComputationGraph trained(Head head, DataSet train, int classes) {
        ComputationGraph net = WiseSrNet.attach(SpatialLearningTest.tinyBackbone(), classes, head,
                InputType.convolutional(SIZE, SIZE, 1));
        net.fit(new ListDataSetIterator<>(train.asList(), 32), 5);
        return net;
    }

    /** Share of test images whose top-1 map has its largest value inside the predicted class's board cell. */
    private static double peaksInPredictedCell(ComputationGraph net, DataSet test) {
        SpatialAttribution explainer = SpatialAttribution.of(net);
        int inside = 0;
        int n = test.numExamples();
        int cell = (SIZE - 2 * MARGIN) / GRID;
        for (int start = 0; start < n; start += 50) {
            INDArray batch = test.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + 50));
            Attributions a = explainer.explainTopK(batch, 1);
            for (int i = 0; i < a.size(); i++) {
                INDArray map = a.map(i, 0);
                long peak = map.reshape(-1).argMax().getLong(0);
                long row = peak / map.size(1) + OFFSET;
                long col = peak % map.size(1) + OFFSET;
                int predicted = a.classes()[i][0];
                long top = MARGIN + (long) (predicted / GRID) * cell;
                long left = MARGIN + (long) (predicted % GRID) * cell;
                if (row >= top && row < top + cell && col >= left && col < left + cell) {
                    inside++;
                }
            }
        }
        return (double) inside / n;
    }
}
