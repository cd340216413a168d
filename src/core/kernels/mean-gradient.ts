/**
 * The gradient of a mean without a tensor of ones. tfjs's own gradient
 * (gradients/Mean_grad.ts) multiplies dy by ones(x.shape), a tensor it
 * builds in JavaScript: on WebGPU that is an upload of the input's whole
 * size per call (batch norm's means made 4.7 MB of the DCGAN's step), on
 * WASM an allocation and another pass. dy · 1 is dy exactly, so dividing
 * the reduced dy by the count and broadcasting it gives the same numbers.
 */
import * as tf from '@tensorflow/tfjs';

const meanGradient: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    return {
      x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, kept), count), x.shape),
    };
  },
};

/** Registers the gradient in place of tfjs's (once). */
export function useMeanGradient(): void {
  if (tf.getGradient('Mean') !== meanGradient) tf.registerGradient(meanGradient);
}
