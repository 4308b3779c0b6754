package io.github.wisesrnet.data;

/** Derives independent, reproducible seeds from several numbers (SplitMix64 finaliser). */
final class Seeds {

    private Seeds() {
    }

    /** A seed that depends on every part and on their order. */
    static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long part : parts) {
            h = splitMix(h ^ splitMix(part));
        }
        return h;
    }

    private static long splitMix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
