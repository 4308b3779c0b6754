package io.github.wisesrnet.app.report;

import io.github.wisesrnet.explain.Attributions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's choice of images: right for every head, then disagreements, then wrong for every head. */
class AttributionSampleTest {

    /** Top-1 predictions of 8 images whose true class is 0. */
    private static Attributions predicting(int... classes) {
        int[][] chosen = new int[classes.length][];
        for (int i = 0; i < classes.length; i++) {
            chosen[i] = new int[]{classes[i]};
        }
        return new Attributions(chosen, Nd4j.rand(DataType.FLOAT, classes.length, 1, 3, 3),
                Nd4j.zeros(DataType.FLOAT, classes.length, 1), Nd4j.ones(DataType.FLOAT, classes.length, 1));
    }

    @Test
    void choosesTwoOfEachKindInDrawingOrderThenFillsUp() {
        AttributionSample sample = AttributionSample.of(Nd4j.rand(DataType.FLOAT, 8, 12, 12, 3).muli(255),
                new int[8], List.of("zero", "one"));
        //                            image: 0  1  2  3  4  5  6  7
        sample.add("gap", predicting(1, 0, 1, 0, 0, 1, 1, 0));
        sample.add("wise-srnet", predicting(1, 1, 0, 0, 1, 1, 0, 0));
        // all right: 3, 7; disagree: 1, 2, 4, 6; all wrong: 0, 5
        assertEquals(List.of(3, 7, 1, 2, 0, 5), sample.chosen(6));
        assertEquals(List.of(3, 1, 0), sample.chosen(3));
        assertEquals(8, sample.chosen(20).size());

        BufferedImage figure = sample.figure(6);
        assertTrue(figure.getHeight() > 6 * 160 && figure.getWidth() > 3 * 150,
                figure.getWidth() + "x" + figure.getHeight());
    }
}
