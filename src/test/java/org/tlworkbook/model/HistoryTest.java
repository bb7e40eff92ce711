package org.tlworkbook.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@link History#describe()} states what the history's own figures say, and nothing they contradict. */
class HistoryTest {
    private static History history(String rows) {
        return History.parseCsv("epoch,phase,loss,accuracy,val_loss,val_accuracy,lr,seconds\n" + rows);
    }

    @Test
    void describesBothPhasesTheGainAndOverfittingFromTheFigures() {
        History h = history("""
                1,frozen,0.70,0.55,0.60,0.640,1e-4,1
                2,frozen,0.50,0.80,0.40,0.870,1e-4,1
                3,fine_tune,0.20,0.95,0.15,0.940,2e-5,2
                4,fine_tune,0.01,1.00,0.13,0.953,2e-5,2
                5,fine_tune,0.0002,1.00,0.19,0.950,2e-5,2
                """);
        String d = h.describe();
        assertTrue(d.contains("frozen, epochs 1-2: validation accuracy 0.640 after the first, 0.870 after the last (best 0.870, epoch 2)"), d);
        assertTrue(d.contains("fine_tune, epochs 3-5: validation accuracy 0.940 after the first, 0.950 after the last (best 0.953, epoch 4)"), d);
        assertTrue(d.contains("fine_tune moved validation accuracy from 0.870 to 0.953 at its best (+8.3 points)"), d);
        assertTrue(d.contains("Training accuracy reached 1.000 at epoch 4; training loss is 0.0002 at the end"), d);
        assertTrue(d.contains("Validation loss was lowest at epoch 4 (0.1300) and is 0.1900 at epoch 5, while training loss fell from 0.0100 to 0.0002: overfitting."), d);
    }

    @Test
    void aStillFallingValidationLossIsNotCalledOverfitting() {
        String d = history("""
                1,frozen,0.70,0.55,0.60,0.64,1e-4,1
                2,frozen,0.50,0.80,0.40,0.87,1e-4,1
                """).describe();
        assertTrue(d.contains("Validation loss is lowest at the last epoch (0.4000)"), d);
        assertFalse(d.contains("overfitting") || d.contains("moved") || d.contains("reached 1.000"), d);
        assertEquals("Nothing trained yet.", new History().describe());
    }
}
