package io.github.wisesrnet.app.report;

import io.github.wisesrnet.explain.Attributions;
import io.github.wisesrnet.explain.SpatialAttribution;
import io.github.wisesrnet.explain.SpatialWeights;
import io.github.wisesrnet.data.ClassificationData;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The same few test images explained by several trained heads, for a comparison report. Candidates are drawn from
 * the test split with a seed, before any head is trained; each head adds its top-1 attributions when it has been
 * trained ({@link #add}); {@link #chosen} then picks a mix of right and wrong predictions by a fixed rule.
 */
public final class AttributionSample {

    /** Test images drawn as candidates. */
    public static final int CANDIDATES = 24;
    /** Images shown. */
    public static final int SHOWN = 6;
    /** Side of a panel in the report's figure. */
    static final int REPORT_PANEL_SIDE = 160;
    /** Images per forward pass (explaining keeps every layer's activations of a batch). */
    private static final int CHUNK = 8;

    private final INDArray features;
    private final INDArray pixels;
    private final int[] labels;
    private final int[] testIndex;
    private final List<String> classNames;
    private final Map<String, Attributions> byHead = new LinkedHashMap<>();
    private final Map<String, SpatialWeights> weightsByHead = new LinkedHashMap<>();

    private AttributionSample(INDArray features, INDArray pixels, int[] labels, int[] testIndex,
            List<String> classNames) {
        this.features = features;
        this.pixels = pixels;
        this.labels = labels;
        this.testIndex = testIndex;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * Draws up to {@code candidates} test images in an order shuffled from {@code seed}: the same seed and data give
     * the same images.
     */
    public static AttributionSample draw(ClassificationData data, long seed, int candidates) {
        int n = Math.min(candidates, data.testSize());
        if (n < 1) {
            throw new IllegalArgumentException("The test split is empty: no images to explain.");
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < data.testSize(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(seed));
        Map<Integer, Integer> slot = new LinkedHashMap<>();
        for (int j = 0; j < n; j++) {
            slot.put(order.get(j), j);
        }
        INDArray[] rows = new INDArray[n];
        int[] labels = new int[n];
        int[] index = new int[n];
        DataSetIterator test = data.test(64);
        int seen = 0;
        while (test.hasNext()) {
            DataSet batch = test.next();
            for (int i = 0; i < batch.numExamples(); i++, seen++) {
                Integer j = slot.get(seen);
                if (j != null) {
                    rows[j] = batch.getFeatures().get(NDArrayIndex.interval(i, i + 1)).dup();
                    labels[j] = batch.getLabels().getRow(i).argMax().getInt(0);
                    index[j] = seen;
                }
            }
        }
        for (int j = 0; j < n; j++) {
            if (rows[j] == null) {
                throw new IllegalStateException("The test iterator gave " + seen + " images, not " + data.testSize());
            }
        }
        INDArray features = Nd4j.concat(0, rows);
        return new AttributionSample(features, displayPixels(features, data), labels, index, data.classNames());
    }

    /** Explains the sample with a trained network: top-1 attributions, and its spatial weights if it has them. */
    public void add(String headLabel, ComputationGraph net) {
        SpatialAttribution explainer = SpatialAttribution.of(net);
        List<Attributions> parts = new ArrayList<>();
        for (long start = 0; start < features.size(0); start += CHUNK) {
            INDArray chunk = features.get(NDArrayIndex.interval(start, Math.min(features.size(0), start + CHUNK)));
            parts.add(explainer.explainTopK(chunk, 1));
        }
        add(headLabel, Attributions.concat(parts));
        explainer.spatialWeights().ifPresent(w -> weightsByHead.put(headLabel, w));
    }

    /** Adds a head's top-1 attributions of the sample's images, computed elsewhere. */
    void add(String headLabel, Attributions topOne) {
        if (topOne.size() != labels.length) {
            throw new IllegalArgumentException("Attributions of " + topOne.size() + " images for a sample of "
                    + labels.length);
        }
        byHead.put(headLabel, topOne);
    }

    /** A sample of given images, for tests. */
    static AttributionSample of(INDArray pixels, int[] labels, List<String> classNames) {
        int[] index = java.util.stream.IntStream.range(0, labels.length).toArray();
        return new AttributionSample(pixels, pixels, labels, index, classNames);
    }

    /** Top-1 attributions of the sample's images by head label, as added; an unmodifiable copy. */
    public Map<String, Attributions> attributions() {
        return Map.copyOf(byHead);
    }

    /** Learned spatial weights by head label, for the heads that have them, in the order added. */
    public Map<String, SpatialWeights> spatialWeights() {
        return new LinkedHashMap<>(weightsByHead);
    }

    /** Whether no head has been added yet. */
    public boolean isEmpty() {
        return byHead.isEmpty();
    }

    /**
     * Up to {@code count} candidates, in drawing order: first up to a third where every head is right, then up to a
     * third where the heads disagree, then up to a third where every head is wrong, then any others.
     */
    public List<Integer> chosen(int count) {
        int per = Math.max(1, count / 3);
        List<Integer> allRight = new ArrayList<>();
        List<Integer> mixed = new ArrayList<>();
        List<Integer> allWrong = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            int right = 0;
            for (Attributions a : byHead.values()) {
                right += a.classes()[i][0] == labels[i] ? 1 : 0;
            }
            (right == byHead.size() ? allRight : right == 0 ? allWrong : mixed).add(i);
        }
        List<Integer> chosen = new ArrayList<>();
        for (List<Integer> group : List.of(allRight, mixed, allWrong)) {
            group.stream().limit(per).forEach(chosen::add);
        }
        for (int i = 0; i < labels.length && chosen.size() < count; i++) {
            if (!chosen.contains(i)) {
                chosen.add(i);
            }
        }
        return chosen.subList(0, Math.min(count, chosen.size()));
    }

    /**
     * One row per chosen image: the image with its true class, then each head's heat map of the class it predicts,
     * captioned green when right and red when wrong.
     */
    public BufferedImage figure(int count) {
        if (byHead.isEmpty()) {
            throw new IllegalStateException("No head has been added to the sample.");
        }
        int[] size = HeatmapImages.displaySize(pixels.size(1), pixels.size(2), REPORT_PANEL_SIDE);
        List<List<HeatmapImages.Panel>> rows = new ArrayList<>();
        Map<String, INDArray> upsampled = new LinkedHashMap<>();
        Map<String, INDArray> logits = new LinkedHashMap<>();
        byHead.forEach((head, a) -> {
            upsampled.put(head, a.upsampled(size[0], size[1]));
            logits.put(head, a.logits());
        });
        for (int i : chosen(count)) {
            BufferedImage image = HeatmapImages.resize(HeatmapImages.rgb(pixels.get(NDArrayIndex.point(i))), size[1],
                    size[0]);
            List<HeatmapImages.Panel> row = new ArrayList<>();
            row.add(new HeatmapImages.Panel(image, List.of("test image #" + testIndex[i], "true: "
                    + classNames.get(labels[i])), null));
            for (Map.Entry<String, Attributions> e : byHead.entrySet()) {
                Attributions a = e.getValue();
                int predicted = a.classes()[i][0];
                INDArray heat = upsampled.get(e.getKey()).get(NDArrayIndex.point(i), NDArrayIndex.point(0));
                row.add(new HeatmapImages.Panel(HeatmapImages.overlay(image, heat, a.map(i, 0).amaxNumber()
                        .doubleValue()), List.of(e.getKey() + ": " + classNames.get(predicted), String.format(
                        Locale.ROOT, "%.1f%%, score %.2f", 100 * a.probabilities().getDouble(i, 0),
                        logits.get(e.getKey()).getDouble(i, 0))), predicted == labels[i] ? HeatmapImages.RIGHT
                        : HeatmapImages.WRONG));
            }
            rows.add(row);
        }
        Attributions any = byHead.values().iterator().next();
        return HeatmapImages.grid("What each head looks at: its predicted class (last epoch)", rows,
                HeatmapImages.legend(any));
    }

    /** RGB pixels [n, h, w, 3] in [0, 255] for display; images without 3 channels are shown as grey. */
    private static INDArray displayPixels(INDArray features, ClassificationData data) {
        CNN2DFormat format = data.format();
        int channelAxis = format == CNN2DFormat.NCHW ? 1 : 3;
        if (features.size(channelAxis) == 3) {
            return data.preprocessing().toPixels(features, format);
        }
        INDArray grey = features.castTo(DataType.FLOAT).mean(true, channelAxis);
        INDArray hwc = format == CNN2DFormat.NCHW ? grey.permute(0, 2, 3, 1).dup('c') : grey;
        double min = hwc.minNumber().doubleValue();
        double max = hwc.maxNumber().doubleValue();
        INDArray scaled = hwc.sub(min).muli(max > min ? 255.0 / (max - min) : 0);
        return Nd4j.concat(3, scaled, scaled, scaled);
    }

    @Override
    public String toString() {
        return "AttributionSample" + Arrays.toString(testIndex) + " heads " + byHead.keySet();
    }
}
