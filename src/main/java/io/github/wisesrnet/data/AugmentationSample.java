package io.github.wisesrnet.data;

import java.util.Random;

/**
 * One random draw of an {@link Augmentation} for one image: the concrete angle, scales, shifts, flips and pixel
 * changes. The parts are drawn in a fixed order (that of Keras's {@code get_random_transform}), so one
 * {@link Random} state always gives the same sample.
 *
 * @param rotationDegrees rotation angle in degrees
 * @param shiftX          horizontal shift in pixels (columns)
 * @param shiftY          vertical shift in pixels (rows)
 * @param zoomX           horizontal scale of the sampled region (below 1 zooms in)
 * @param zoomY           vertical scale of the sampled region
 * @param flipHorizontal  mirror left-right
 * @param flipVertical    mirror top-bottom
 * @param channelShift    offset added to every channel, pixel units
 * @param brightness      factor the pixels are multiplied by
 */
record AugmentationSample(double rotationDegrees, double shiftX, double shiftY, double zoomX, double zoomY,
                          boolean flipHorizontal, boolean flipVertical, double channelShift, double brightness) {

    static final AugmentationSample IDENTITY = new AugmentationSample(0, 0, 0, 1, 1, false, false, 0, 1);

    /** Draws the random parameters for an image of {@code height x width} pixels. */
    static AugmentationSample draw(Augmentation a, Random random, int height, int width) {
        double theta = a.rotationDegrees() > 0 ? uniform(random, -a.rotationDegrees(), a.rotationDegrees()) : 0;
        double shiftY = a.heightShift() > 0 ? uniform(random, -a.heightShift(), a.heightShift()) * height : 0;
        double shiftX = a.widthShift() > 0 ? uniform(random, -a.widthShift(), a.widthShift()) * width : 0;
        double zoomY = 1;
        double zoomX = 1;
        if (a.zoom() > 0) {
            zoomY = uniform(random, 1 - a.zoom(), 1 + a.zoom());
            zoomX = uniform(random, 1 - a.zoom(), 1 + a.zoom());
        }
        boolean flipH = a.horizontalFlip() && random.nextBoolean();
        boolean flipV = a.verticalFlip() && random.nextBoolean();
        double channel = a.channelShift() > 0 ? uniform(random, -a.channelShift(), a.channelShift()) : 0;
        double brightness = a.brightnessMin() == a.brightnessMax()
                ? a.brightnessMin() : uniform(random, a.brightnessMin(), a.brightnessMax());
        return new AugmentationSample(theta, shiftX, shiftY, zoomX, zoomY, flipH, flipV, channel, brightness);
    }

    private static double uniform(Random random, double min, double max) {
        return min + (max - min) * random.nextDouble();
    }

    /** True when pixels do not move. */
    boolean isGeometricIdentity() {
        return rotationDegrees == 0 && shiftX == 0 && shiftY == 0 && zoomX == 1 && zoomY == 1 && !flipHorizontal
                && !flipVertical;
    }

    /**
     * The 2x3 affine map from output pixel (x, y) to the source pixel it samples, row-major
     * {@code {a, b, c, d, e, f}}: {@code src = (a x + b y + c, d x + e y + f)}. As in Keras: flip, then zoom about the
     * centre, shift, then rotate about the centre.
     */
    double[] outputToSource(int height, int width) {
        double cx = (width - 1) / 2.0;
        double cy = (height - 1) / 2.0;
        double t = Math.toRadians(rotationDegrees);
        double cos = Math.cos(t);
        double sin = Math.sin(t);
        double fx = flipHorizontal ? -1 : 1;
        double fy = flipVertical ? -1 : 1;
        // A = R * Z * F with R = [[cos, sin], [-sin, cos]] (x, y order), Z = diag(zoomX, zoomY), F = diag(fx, fy).
        double a = cos * zoomX * fx;
        double b = sin * zoomY * fy;
        double d = -sin * zoomX * fx;
        double e = cos * zoomY * fy;
        // src = c + A (dst - c) + R t
        double tx = cos * shiftX + sin * shiftY;
        double ty = -sin * shiftX + cos * shiftY;
        double c = cx + tx - (a * cx + b * cy);
        double f = cy + ty - (d * cx + e * cy);
        return new double[] {a, b, c, d, e, f};
    }
}
