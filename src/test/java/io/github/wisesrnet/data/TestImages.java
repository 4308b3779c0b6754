package io.github.wisesrnet.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Image fixtures: small files written into temporary folders (javax.imageio), never into the repository, and the
 * real Intel images beside the project.
 */
public final class TestImages {

    /**
     * The Intel images in the shared folder beside the project (CI has them), or {@code -Dwisesrnet.intel.dir}. Tests
     * that read them skip, saying so, when they are absent.
     */
    public static final Path INTEL = Path.of(System.getProperty("wisesrnet.intel.dir",
            "../shared/datasets/intel-image-classification"));

    private TestImages() {
    }

    /** A noisy colour image (so that JPEG files are several KiB) written in the format of the file extension. */
    public static Path noise(Path file, int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return write(image, file);
    }

    /** A single-colour image of the given type (e.g. TYPE_INT_RGB, TYPE_INT_ARGB). */
    static Path solid(Path file, int width, int height, int type, int argb) {
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, argb);
            }
        }
        return write(image, file);
    }

    /** A single-value 8-bit grayscale image (raster written directly, no colour-space conversion). */
    static Path gray(Path file, int width, int height, int value) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, value);
            }
        }
        return write(image, file);
    }

    static Path write(BufferedImage image, Path file) {
        try {
            Files.createDirectories(file.getParent());
            String name = file.getFileName().toString();
            String format = name.substring(name.lastIndexOf('.') + 1).toLowerCase();
            if (!ImageIO.write(image, format.equals("jpg") ? "jpeg" : format, file.toFile())) {
                throw new IllegalStateException("No ImageIO writer for " + format);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies {@code source} to {@code target}, keeping only the first half of its bytes. */
    static Path truncatedCopy(Path source, Path target) {
        try {
            byte[] bytes = Files.readAllBytes(source);
            Files.createDirectories(target.getParent());
            return Files.write(target, Arrays.copyOf(bytes, bytes.length / 2));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path text(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Bytes that pass the structural check of a JPEG (start and end markers) but are not a decodable image: the
     * kind of damage found only when decoding.
     */
    public static Path undecodableJpeg(Path file) {
        byte[] bytes = new byte[4000];
        new Random(3).nextBytes(bytes);
        bytes[0] = (byte) 0xFF;
        bytes[1] = (byte) 0xD8;
        bytes[2] = (byte) 0xFF;
        bytes[3] = (byte) 0xE0;
        bytes[bytes.length - 2] = (byte) 0xFF;
        bytes[bytes.length - 1] = (byte) 0xD9;
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code root/<split>/<class>/img<i>.jpg}, {@code count} noise images per class. */
    public static void classFolders(Path splitFolder, int count, String... classes) {
        long seed = 0;
        for (String c : classes) {
            for (int i = 0; i < count; i++) {
                noise(splitFolder.resolve(c).resolve("img" + i + ".jpg"), 40, 30, seed++ * 31 + c.hashCode());
            }
        }
    }
}
