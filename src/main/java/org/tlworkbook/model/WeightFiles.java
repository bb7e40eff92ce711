package org.tlworkbook.model;

import org.tlworkbook.data.RemoteFile;

import java.util.Locale;

/** Official download addresses and file names of the Keras applications weights used here. */
public final class WeightFiles {
    private WeightFiles() { }

    /** Where Keras downloads its application weights from. */
    public static final String BASE = "https://storage.googleapis.com/tensorflow/keras-applications/";

    /** Keras trains MobileNetV2 at these resolutions; other sizes use the 224 weights, as Keras does. */
    public static int mobileNetV2Rows(int size) {
        return switch (size) {
            case 96, 128, 160, 192, 224 -> size;
            default -> 224;
        };
    }

    /** Keras' ImageNet no-top weights of MobileNetV2 at this width and input size (1.3 and 1.4 exist at 224 only). */
    public static RemoteFile mobileNetV2(double alpha, int size) {
        String a = alpha == 0.35 ? "0.35" : alpha == 0.75 ? "0.75" : String.format(Locale.ROOT, "%.1f", alpha);
        int rows = alpha > 1.0 ? 224 : mobileNetV2Rows(size);
        String name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_" + a + "_" + rows + "_no_top.h5";
        return RemoteFile.of(name, BASE + "mobilenet_v2/" + name, -1);
    }

    /** Keras' ImageNet no-top weights of VGG16. */
    public static RemoteFile vgg16() {
        String name = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5";
        return RemoteFile.of(name, BASE + "vgg16/" + name, 58_889_256L);
    }

    /** Keras' ImageNet no-top weights of ResNet50 (one file for every input size). */
    public static RemoteFile resNet50() {
        String name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5";
        return RemoteFile.of(name, BASE + "resnet/" + name, -1);
    }
}
