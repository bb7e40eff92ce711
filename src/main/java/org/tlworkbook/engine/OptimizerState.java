package org.tlworkbook.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * Moves optimizer state (RMSprop's moving averages, Adam's moments, the iteration count) between two
 * graphs that share layers by name, so that training the suffix of a {@link SplitGraph} continues the
 * classifier's optimizer and a checkpoint holds what the suffix learned: a resumed run then takes the
 * same steps as an uninterrupted one. DL4J keeps each updater block's state as S arrays of the block's
 * size laid end to end (S = 1 for RMSprop, 2 for Adam); a parameter's state is its slice of each.
 */
public final class OptimizerState {
    private OptimizerState() { }

    public static void copy(ComputationGraph from, ComputationGraph to) {
        Map<String, float[][]> states = read(from);
        if (!states.isEmpty()) write(to, states);
        to.getConfiguration().setIterationCount(from.getConfiguration().getIterationCount());
        to.getConfiguration().setEpochCount(from.getConfiguration().getEpochCount());
    }

    /** Whether every updater block holds real state (it has been trained, or its state was copied or marked). */
    public static boolean isInitialized(ComputationGraph g) {
        BaseMultiLayerUpdater<?> u = g.getUpdater();
        if (u == null || u.getUpdaterBlocks().isEmpty()) return false;
        for (UpdaterBlock b : u.getUpdaterBlocks()) if (hasState(b) && !holdsState(b)) return false;
        return true;
    }

    private static boolean hasState(UpdaterBlock b) {
        return b.getUpdaterView() != null && b.getUpdaterView().length() > 0;
    }

    /**
     * Whether the block's state array holds real values: its updater ran (DL4J never clears the
     * initialisation flag after that) or the state was copied or restored and marked so.
     */
    private static boolean holdsState(UpdaterBlock b) {
        return b.getGradientUpdater() != null || !b.isUpdaterViewRequiresInitialization();
    }

    /**
     * Declares restored state valid. DL4J's model loading copies the saved state in but leaves each block
     * flagged for initialisation, so the first update would otherwise start the optimizer afresh.
     */
    public static void markInitialized(ComputationGraph g) {
        BaseMultiLayerUpdater<?> u = g.getUpdater();
        if (u != null) for (UpdaterBlock b : u.getUpdaterBlocks()) b.setUpdaterViewRequiresInitialization(false);
    }

    private static String key(UpdaterBlock.ParamState p) {
        return p.getLayer().getConfig().getLayerName() + "/" + p.getParamName();
    }

    /** Per parameter ("layer/param"): its slice of each state array, for blocks that hold real state. */
    public static Map<String, float[][]> read(ComputationGraph g) {
        Map<String, float[][]> out = new HashMap<>();
        BaseMultiLayerUpdater<?> u = g.getUpdater();
        if (u == null) return out;
        for (UpdaterBlock b : u.getUpdaterBlocks()) {
            if (!hasState(b) || !holdsState(b)) continue;
            int size = b.getParamOffsetEnd() - b.getParamOffsetStart();
            float[] view = Arrays32.floats(b.getUpdaterView());
            int arrays = view.length / size;
            for (UpdaterBlock.ParamState p : b.getLayersAndVariablesInBlock()) {
                int off = p.getParamOffsetStart() - b.getParamOffsetStart(), len = p.getParamOffsetEnd() - p.getParamOffsetStart();
                float[][] s = new float[arrays][len];
                for (int a = 0; a < arrays; a++) System.arraycopy(view, a * size + off, s[a], 0, len);
                out.put(key(p), s);
            }
        }
        return out;
    }

    /** Writes state slices by parameter into the blocks that hold those parameters and marks them initialised. */
    public static void write(ComputationGraph g, Map<String, float[][]> states) {
        BaseMultiLayerUpdater<?> u = g.getUpdater();
        for (UpdaterBlock b : u.getUpdaterBlocks()) {
            if (!hasState(b)) continue;
            int size = b.getParamOffsetEnd() - b.getParamOffsetStart();
            float[] view = holdsState(b) ? Arrays32.floats(b.getUpdaterView())
                    : new float[(int) b.getUpdaterView().length()];
            int arrays = view.length / size;
            boolean all = true;
            for (UpdaterBlock.ParamState p : b.getLayersAndVariablesInBlock()) {
                float[][] s = states.get(key(p));
                int off = p.getParamOffsetStart() - b.getParamOffsetStart(), len = p.getParamOffsetEnd() - p.getParamOffsetStart();
                if (s == null || s.length != arrays || s[0].length != len) {
                    all = false;
                    continue;
                }
                for (int a = 0; a < arrays; a++) System.arraycopy(s[a], 0, view, a * size + off, len);
            }
            if (!all && !holdsState(b)) continue; // leave DL4J's own initialisation
            b.getUpdaterView().assign(Nd4j.create(view, b.getUpdaterView().shape(), 'c'));
            b.setUpdaterViewRequiresInitialization(false);
        }
    }
}
