package io.github.wisesrnet.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Cheap structural check of an image file that reads only its first bytes and its last KiB, so that every file of a
 * large data set can be checked when the data set is opened (about 15 microseconds a file). It finds files that are
 * empty, are not images (e.g. text named .jpg), or are truncated (JPEG without its end-of-image marker, PNG without
 * its IEND chunk, GIF without its trailer, BMP shorter than its header says). A truncated JPEG matters most: the
 * decoder would silently fill the missing part with grey. Damage inside a file that keeps its structure is found
 * only when the file is decoded.
 */
final class ImageFileCheck {

    /** Accepted file name extensions, lower case, without the dot. */
    static final List<String> EXTENSIONS = List.of("jpg", "jpeg", "png", "bmp", "gif");

    private static final int TAIL_BYTES = 1024;
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private ImageFileCheck() {
    }

    /** True when the file name ends with an accepted image extension, case-insensitive. */
    static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    static boolean isGif(byte[] head) {
        return startsWith(head, new byte[] {'G', 'I', 'F', '8'});
    }

    /**
     * @return the problem found, e.g. "truncated JPEG: ...", or empty when the file looks whole
     */
    static Optional<String> problem(Path file) {
        byte[] head;
        byte[] tail;
        long size;
        try (FileChannel channel = FileChannel.open(file)) {
            size = channel.size();
            if (size == 0) {
                return Optional.of("empty file (0 bytes)");
            }
            head = read(channel, 0, (int) Math.min(16, size));
            tail = read(channel, Math.max(0, size - TAIL_BYTES), (int) Math.min(TAIL_BYTES, size));
        } catch (IOException e) {
            return Optional.of("cannot be read: " + e);
        }
        if (startsWith(head, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF})) {
            return indexOf(tail, new byte[] {(byte) 0xFF, (byte) 0xD9}) >= 0 ? Optional.empty()
                    : Optional.of("truncated JPEG: no end-of-image marker (FF D9) in its last " + TAIL_BYTES + " bytes");
        }
        if (startsWith(head, PNG_SIGNATURE)) {
            return indexOf(tail, new byte[] {'I', 'E', 'N', 'D'}) >= 0 ? Optional.empty()
                    : Optional.of("truncated PNG: no IEND chunk at its end");
        }
        if (isGif(head)) {
            return lastNonZero(tail) == 0x3B ? Optional.empty()
                    : Optional.of("truncated GIF: no trailer byte (3B) at its end");
        }
        if (startsWith(head, new byte[] {'B', 'M'}) && head.length >= 6) {
            long declared = Integer.toUnsignedLong(ByteBuffer.wrap(head, 2, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
            return declared == 0 || declared <= size ? Optional.empty()
                    : Optional.of("truncated BMP: its header declares " + declared + " bytes, the file has " + size);
        }
        return Optional.of("not a JPEG, PNG, GIF or BMP image (unrecognised content)");
    }

    private static byte[] read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                break;
            }
        }
        byte[] out = new byte[buffer.position()];
        buffer.flip().get(out);
        return out;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int lastNonZero(byte[] data) {
        for (int i = data.length - 1; i >= 0; i--) {
            if (data[i] != 0) {
                return data[i] & 0xFF;
            }
        }
        return -1;
    }
}
