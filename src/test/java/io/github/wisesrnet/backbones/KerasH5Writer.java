package io.github.wisesrnet.backbones;

import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;
import static org.bytedeco.hdf5.global.hdf5.H5T_STR_NULLPAD;
import static org.bytedeco.hdf5.global.hdf5.H5T_VARIABLE;

/**
 * Writes HDF5 files in the layout Keras 2's {@code model.save_weights} gives them (h5py's conventions), with JavaCPP's
 * HDF5: root attributes {@code layer_names} (fixed-length string array), {@code backend} and {@code keras_version}
 * (variable-length strings); one group per layer (a '/' in its name nests groups), with a {@code weight_names}
 * attribute; each weight as a float data set at the path of its name, {@code <layer>/<weight>:0}.
 */
public final class KerasH5Writer {

    private final Map<String, Map<String, INDArray>> layers = new LinkedHashMap<>();

    /** A layer without weights (Keras writes an empty group for it). */
    public KerasH5Writer layer(String name) {
        layers.computeIfAbsent(name, k -> new LinkedHashMap<>());
        return this;
    }

    /** A weight of a layer, in Keras's layout, under Keras's name without ":0" ("kernel", "moving_mean", ...). */
    public KerasH5Writer weight(String layer, String weight, INDArray value) {
        layers.computeIfAbsent(layer, k -> new LinkedHashMap<>()).put(weight, value);
        return this;
    }

    /** Writes the file; {@code underModelWeights} puts the layers under {@code model_weights}, as model.save does. */
    public void write(Path file, boolean underModelWeights) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            H5File h5 = new H5File(file.toString(), H5F_ACC_TRUNC());
            try {
                Group root = underModelWeights ? h5.createGroup("model_weights") : h5;
                writeStringArray(root, "layer_names", new ArrayList<>(layers.keySet()));
                writeVarString(root, "backend", "tensorflow");
                writeVarString(root, "keras_version", "2.2.4");
                for (Map.Entry<String, Map<String, INDArray>> layer : layers.entrySet()) {
                    Group group = createGroups(root, layer.getKey());
                    List<String> weightNames = new ArrayList<>();
                    for (String w : layer.getValue().keySet()) {
                        weightNames.add(layer.getKey() + "/" + w + ":0");
                    }
                    writeStringArray(group, "weight_names", weightNames);
                    for (Map.Entry<String, INDArray> w : layer.getValue().entrySet()) {
                        Group parent = createGroups(group, layer.getKey());
                        writeFloats(parent, w.getKey() + ":0", w.getValue());
                        parent.deallocate();
                    }
                    group.deallocate();
                }
                if (underModelWeights) {
                    root.deallocate();
                }
            } finally {
                h5.deallocate(); // closes the file
            }
        }
    }

    /**
     * Creates (or opens) the nested groups of a '/'-separated path below {@code parent}. Intermediate groups are closed
     * here: HDF5 objects left to JavaCPP's deallocator thread would be closed concurrently with other HDF5 calls,
     * which HDF5 does not survive.
     */
    private static Group createGroups(Group parent, String path) {
        Group current = parent;
        for (String part : path.split("/")) {
            Group next = current.nameExists(part) ? current.openGroup(part) : current.createGroup(part);
            if (current != parent) {
                current.deallocate();
            }
            current = next;
        }
        return current;
    }

    private static void writeFloats(Group parent, String name, INDArray value) {
        float[] data = value.castTo(DataType.FLOAT).dup('c').data().asFloat();
        long[] dims = value.shape();
        DataSpace space = new DataSpace(dims.length, new LongPointer(dims));
        DataSet ds = parent.createDataSet(name, PredType.NATIVE_FLOAT(), space);
        ds.write(new FloatPointer(data), PredType.NATIVE_FLOAT());
        ds.deallocate();
        space.deallocate();
    }

    /** h5py's {@code np.array([b'a', b'bc'])}: fixed-length, null-padded strings as long as the longest. */
    private static void writeStringArray(Group parent, String name, List<String> values) {
        int width = Math.max(1, values.stream().mapToInt(s -> s.getBytes(StandardCharsets.UTF_8).length).max()
                .orElse(1));
        byte[] bytes = new byte[width * values.size()];
        for (int i = 0; i < values.size(); i++) {
            byte[] s = values.get(i).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(s, 0, bytes, i * width, s.length);
        }
        StrType type = new StrType(PredType.C_S1(), width);
        type.setStrpad(H5T_STR_NULLPAD);
        DataSpace space = new DataSpace(1, new LongPointer(new long[]{values.size()}));
        Attribute a = parent.createAttribute(name, type, space);
        if (!values.isEmpty()) {
            a.write(type, new BytePointer(bytes));
        }
        a.deallocate();
        space.deallocate();
        type.deallocate();
    }

    /** h5py's {@code attrs[name] = str}: one variable-length string. */
    private static void writeVarString(Group parent, String name, String value) {
        StrType type = new StrType(PredType.C_S1(), H5T_VARIABLE());
        DataSpace space = new DataSpace(H5S_SCALAR);
        Attribute a = parent.createAttribute(name, type, space);
        a.write(type, value);
        a.deallocate();
        space.deallocate();
        type.deallocate();
    }
}
