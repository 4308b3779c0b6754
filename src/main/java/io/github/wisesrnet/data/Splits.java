package io.github.wisesrnet.data;

/** How many of a class's images a stratified split holds out. */
final class Splits {

    private Splits() {
    }

    /**
     * {@code round(n * fraction)}, but at least one and at most n - 1 when the class has two or more images, so that
     * both sides keep every class; a class with one image keeps it on the larger side.
     */
    static int heldOut(int n, double fraction) {
        return n < 2 ? 0 : Math.max(1, Math.min(n - 1, (int) Math.round(n * fraction)));
    }

    /** Checks a validation fraction: in [0, 1). */
    static void requireValidationFraction(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("The validation fraction must be in [0, 1), got " + fraction);
        }
    }
}
