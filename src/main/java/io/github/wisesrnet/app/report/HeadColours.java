package io.github.wisesrnet.app.report;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.app.compare.HeadResult;

import java.awt.Color;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Line colours of the heads in one report's charts. Each head has a fixed colour, so it looks the same in every
 * report; a head that appears more than once takes the first colour no other result uses.
 */
final class HeadColours {

    /** Tableau 10 colours; the first seven follow {@link Head}'s order, the rest serve repeated heads. */
    private static final Color[] PALETTE = {
            new Color(0x4E79A7), new Color(0x76B7B2), new Color(0x9C755F), new Color(0xB07AA1),
            new Color(0xE15759), new Color(0xF28E2B), new Color(0x59A14F), new Color(0xEDC948),
            new Color(0xFF9DA7), new Color(0xBAB0AC)};

    private HeadColours() {
    }

    /** One colour per result, in result order. */
    static List<Color> of(List<HeadResult> results) {
        List<Color> colours = new ArrayList<>();
        Set<Color> used = new HashSet<>();
        for (HeadResult result : results) {
            Color colour = colourFor(result.head(), used);
            used.add(colour);
            colours.add(colour);
        }
        return List.copyOf(colours);
    }

    /** The head's own colour, or the first colour not used yet if another result has it already. */
    private static Color colourFor(Head head, Set<Color> used) {
        Color own = PALETTE[head.ordinal() % PALETTE.length];
        if (!used.contains(own)) {
            return own;
        }
        for (Color colour : PALETTE) {
            if (!used.contains(colour)) {
                return colour;
            }
        }
        return own;
    }
}
