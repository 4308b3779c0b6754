package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.train.EpochMetrics;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfusionMatrixImageTest {

    @Test
    void longNamesAreCutInTheMiddleAndStayDistinct() {
        String a = ConfusionMatrixImage.shorten("n02085620-a_really_long_breed_name_Chihuahua");
        String b = ConfusionMatrixImage.shorten("n02085620-a_really_long_breed_name_Pekinese");

        assertEquals(28, a.length());
        assertTrue(a.startsWith("n02085620-a_r") && a.endsWith("Chihuahua"), a);
        assertNotEquals(a, b);
        assertEquals("short", ConfusionMatrixImage.shorten("short"));
    }

    @Test
    void diagonalCellsAreDarkerThanEmptyOnes() {
        EpochMetrics epoch = SyntheticResults.result(Head.GAP, 6, false, 0.9).last();

        BufferedImage image = ConfusionMatrixImage.render("gap", epoch, List.of("a", "b", "c", "d", "e", "f"));

        assertTrue(image.getWidth() > 6 * 28 && image.getHeight() > 6 * 28);
        assertTrue(ConfusionMatrixImage.colour(1).getBlue() < ConfusionMatrixImage.colour(0).getBlue());
        assertEquals(0xF7FBFF, ConfusionMatrixImage.colour(0).getRGB() & 0xFFFFFF);
        assertEquals(0x08306B, ConfusionMatrixImage.colour(1).getRGB() & 0xFFFFFF);
    }

    @Test
    void rejectsANonSquareMatrix() {
        EpochMetrics epoch = new EpochMetrics(2, 0.1, 1, 0.5, 1, 0.5, Double.NaN, new double[2],
                new long[][] {{1, 2}, {3}}, 1, 1, null, null);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrixImage.render("gap", epoch, List.of("a", "b")));
        assertEquals("Confusion matrix of epoch 2 is not square: 2 rows, but a row of 1", e.getMessage());
    }
}
