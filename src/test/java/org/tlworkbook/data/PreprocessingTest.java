package org.tlworkbook.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Scalings by name, as the CLI's --preprocessing takes them: a wrong name lists the right ones, a bad factor says so. */
class PreprocessingTest {
    @Test
    void namesParseAndMistakesListWhatIsValid() {
        assertEquals(-1f, Preprocessing.named("mobilenet_v2").apply(0), 1e-6);
        assertEquals(1f, Preprocessing.named("rescale").apply(255), 1e-6);
        assertEquals(0.5f, Preprocessing.named("rescale(0.5)").apply(1), 1e-6);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Preprocessing.named("foo"));
        assertTrue(unknown.getMessage().contains("Unknown preprocessing 'foo': one of mobilenet_v2"), unknown.getMessage());
        IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class, () -> Preprocessing.named("rescale(abc)"));
        assertTrue(notANumber.getMessage().contains("rescale(...) takes a number") && !notANumber.getMessage().contains("For input string"),
                notANumber.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.named("rescale(-1)"));
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.named("rescale(NaN)"));
    }
}
