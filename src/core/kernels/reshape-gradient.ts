/**
 * The gradient of a reshape to the input's own shape is dy itself. tfjs's
 * (gradients/Reshape_grad.ts) reshapes dy back whatever the shapes, one
 * more kernel on the tape; the lazy layers' fused leaky ReLU passes its
 * input on through such a reshape (lazy-layers.ts, withLeakyRelu), four to
 * eight times a GAN step. Other reshapes keep tfjs's gradient.
 */
import * as tf from '@tensorflow/tfjs';

const reshapeGradient: tf.GradConfig = {
  kernelName: 'Reshape',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const d = dy as tf.Tensor;
    // The same tensor object may stand for two gradients: tfjs's backprop disposes a
    // gradient only when it adds another to it, after the node that read it has run.
    return { x: () => (tf.util.arraysEqual(d.shape, x.shape) ? d : tf.reshape(d, x.shape)) };
  },
};

/** Registers the gradient in place of tfjs's (once). */
export function useReshapeGradient(): void {
  if (tf.getGradient('Reshape') !== reshapeGradient) tf.registerGradient(reshapeGradient);
}
