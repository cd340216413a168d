/**
 * A GAN's cross-entropy losses in one kernel and their gradient in one more.
 * Written with tfjs's ops, D's loss on a real and a fake batch is about 18
 * kernels (two slices, neg, two softplus, two means, an add) and their
 * gradients (two broadcasts of dy/n, sigmoids, products, pads); on a small
 * model each kernel's engine work costs more than its arithmetic (the toy
 * GAN's step is 112 kernels of about 14 µs).
 *
 * The loss is Σₖ wₖ · mean(softplus(sₖ · l[fromₖ, fromₖ + countₖ))) over the
 * logits l, with a sign sₖ of ±1 per term: -log D(x) = softplus(-l) and
 * -log(1 - D(x)) = softplus(l). Its gradient is
 * Σₖ sₖ · (wₖ · dy / countₖ) · sigmoid(sₖ · l) on each term's rows.
 *
 * The kernels run where the tensors live in the CPU's memory (the cpu and
 * WASM backends) and do tfjs's float32 operations in its order, each
 * rounded as a kernel's output would be; on other backends the same sum runs
 * as tfjs's ops.
 */
import * as tf from '@tensorflow/tfjs';
import { outputOf as output, readValues as read } from './host-backend';

export const LOGIT_LOSS = 'DemandLabLogitLoss';
export const LOGIT_LOSS_GRAD = 'DemandLabLogitLossGrad';

/** One term of the loss: `weight` · mean(softplus(`sign` · logits[from, from + count))). */
export interface LogitTerm {
  from: number;
  count: number;
  sign: 1 | -1;
  weight: number;
}

/** The terms as a kernel attribute: from, count, sign, weight for each, flat. */
const flat = (terms: LogitTerm[]): number[] =>
  terms.flatMap((t) => [t.from, t.count, t.sign, t.weight]);

function unflat(values: number[]): LogitTerm[] {
  const terms: LogitTerm[] = [];
  for (let i = 0; i < values.length; i += 4)
    terms.push({
      from: values[i]!,
      count: values[i + 1]!,
      sign: values[i + 2]! < 0 ? -1 : 1,
      weight: values[i + 3]!,
    });
  return terms;
}

const f32 = Math.fround;

/** tfjs's softplus (kernels/Softplus in tfjs-backend-cpu): exact where exp(x) or x is the answer in float32. */
function softplus(x: number): number {
  const threshold = Math.log(1.1920928955078125e-7) + 2;
  if (x > -threshold) return x;
  const e = Math.exp(x);
  return x < threshold ? e : Math.log(1 + e);
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The loss of `l` (float32 values), each operation rounded to float32 as tfjs's kernels round their outputs. */
export function logitLossOf(l: Float32Array, terms: LogitTerm[]): number {
  let loss = 0;
  terms.forEach((t, k) => {
    let sum = 0;
    for (let i = t.from; i < t.from + t.count; i++) sum += f32(softplus(f32(t.sign * l[i]!)));
    const mean = f32(f32(sum) / t.count);
    const term = t.weight === 1 ? mean : t.weight === -1 ? -mean : f32(t.weight * mean);
    loss = k === 0 ? term : f32(loss + term);
  });
  return loss;
}

/** The gradient of `logitLossOf` at `l` for an upstream gradient `dy`, rounded as tfjs's chain of kernels rounds it. */
export function logitLossGradientOf(l: Float32Array, terms: LogitTerm[], dy: number): Float32Array {
  const dl = new Float32Array(l.length);
  const touched = new Uint8Array(l.length);
  for (const t of terms) {
    const scaled = t.weight === 1 ? dy : t.weight === -1 ? -dy : f32(dy * t.weight);
    const share = f32(scaled / t.count);
    for (let i = t.from; i < t.from + t.count; i++) {
      const g = f32(share * f32(sigmoid(f32(t.sign * l[i]!))));
      const signed = t.sign < 0 ? -g : g;
      dl[i] = touched[i] ? f32(dl[i]! + signed) : signed;
      touched[i] = 1;
    }
  }
  return dl;
}

/** The same loss as tfjs ops, for backends without the kernels. */
function logitLossOps(logits: tf.Tensor, terms: LogitTerm[]): tf.Scalar {
  return tf.tidy(() => {
    const all = logits.rank === 1 ? logits : tf.reshape(logits, [-1]);
    let loss: tf.Scalar | null = null;
    for (const t of terms) {
      const part = t.from === 0 && t.count === all.size ? all : tf.slice(all, [t.from], [t.count]);
      const mean = tf.mean(tf.softplus(t.sign < 0 ? tf.neg(part) : part)) as tf.Scalar;
      const term: tf.Scalar =
        t.weight === 1 ? mean : t.weight === -1 ? tf.neg(mean) : tf.mul(t.weight, mean);
      loss = loss ? tf.add(loss, term) : term;
    }
    if (!loss) throw new Error('logitLoss: no terms');
    return loss;
  });
}

function checkTerms(n: number, terms: LogitTerm[]): void {
  if (terms.length === 0) throw new Error('logitLoss: no terms');
  for (const t of terms)
    if (!(
      Number.isInteger(t.from) &&
      Number.isInteger(t.count) &&
      t.from >= 0 &&
      t.count > 0 &&
      t.from + t.count <= n
    ))
      throw new Error(`logitLoss: rows ${t.from}..${t.from + t.count} are not within ${n} logits`);
}

/**
 * Σₖ wₖ · mean(softplus(sₖ · logits[rowsₖ])) as a scalar on the tape, the
 * logits in row order in any shape (D's [batch, 1] as it gives them): two
 * kernels where the backend has them.
 */
export function logitLoss(logits: tf.Tensor, terms: LogitTerm[]): tf.Scalar {
  checkTerms(logits.size, terms);
  if (!tf.getKernel(LOGIT_LOSS, tf.getBackend())) return logitLossOps(logits, terms);
  return tf.engine().runKernel(LOGIT_LOSS, { logits }, { terms: flat(terms) }) as tf.Scalar;
}

const termsOf = (attrs: tf.NamedAttrMap | undefined): LogitTerm[] =>
  unflat((attrs?.['terms'] ?? []) as number[]);

const gradient: tf.GradConfig = {
  kernelName: LOGIT_LOSS,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const [logits] = saved as [tf.Tensor];
    return {
      logits: () =>
        tf.engine().runKernel(LOGIT_LOSS_GRAD, { dy: dy as tf.Tensor, logits }, attrs) as tf.Tensor,
    };
  },
};

/** Registers the two kernels on a cpu or WASM backend (once), and their gradient. */
export function useLogitLoss(backendName: 'cpu' | 'wasm'): void {
  if (tf.getGradient(LOGIT_LOSS) !== gradient) tf.registerGradient(gradient);
  if (tf.getKernel(LOGIT_LOSS, backendName)) return;
  tf.registerKernel({
    kernelName: LOGIT_LOSS,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const l = read(backend, inputs['logits']!);
      const loss = logitLossOf(l, termsOf(attrs));
      return output(backend, [], Float32Array.of(loss));
    },
  });
  tf.registerKernel({
    kernelName: LOGIT_LOSS_GRAD,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const logits = inputs['logits']!;
      const dy = read(backend, inputs['dy']!)[0]!;
      const dl = logitLossGradientOf(read(backend, logits), termsOf(attrs), dy);
      return output(backend, logits.shape, dl);
    },
  });
}
