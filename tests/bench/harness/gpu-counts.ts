/**
 * Counts what tfjs asks of a WebGPU device: compute dispatches, bytes written
 * to the GPU, bytes read back, pipelines compiled. Shared by the browser
 * harness (dispatches.ts) and the node bench on Dawn (gpu-node-run.ts); each
 * passes the scope its WebGPU classes live in.
 */
export interface GpuCounts {
  dispatches: number;
  uploadBytes: number;
  readbackBytes: number;
  pipelines: number;
}

/** The WebGPU classes whose prototypes get counted: `globalThis` in a browser, Dawn's `globals` in node. */
export interface GpuScope {
  GPUComputePassEncoder: { prototype: GPUComputePassEncoder };
  GPUQueue: { prototype: GPUQueue };
  GPUDevice: { prototype: GPUDevice };
  GPUCommandEncoder: { prototype: GPUCommandEncoder };
  GPUBufferUsage: { MAP_READ: number; COPY_SRC: number };
}

/** Wraps a prototype method so every call is counted first. */
function count<T extends object, K extends keyof T>(
  proto: T,
  name: K,
  tally: (self: T, args: unknown[]) => void,
): void {
  const original = proto[name] as unknown as (...args: unknown[]) => unknown;
  (proto as Record<K, unknown>)[name] = function (this: T, ...args: unknown[]) {
    tally(this, args);
    return original.apply(this, args);
  };
}

/** Starts counting on `scope`'s classes; the returned totals grow from then on (call once per scope). */
export function countGpuWork(scope: GpuScope): GpuCounts {
  const counts: GpuCounts = { dispatches: 0, uploadBytes: 0, readbackBytes: 0, pipelines: 0 };
  const usage = scope.GPUBufferUsage;
  const encoder = scope.GPUComputePassEncoder.prototype;
  count(encoder, 'dispatchWorkgroups', () => counts.dispatches++);
  count(encoder, 'dispatchWorkgroupsIndirect', () => counts.dispatches++);
  count(scope.GPUQueue.prototype, 'writeBuffer', (_q, args) => {
    const data = args[2] as ArrayBufferView | ArrayBuffer;
    const size = args[4] as number | undefined;
    // writeBuffer's size counts elements of a typed array, bytes of an ArrayBuffer.
    const unit = ArrayBuffer.isView(data)
      ? ((data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1)
      : 1;
    counts.uploadBytes +=
      size !== undefined
        ? size * unit
        : data.byteLength - ((args[3] as number | undefined) ?? 0) * unit;
  });
  count(scope.GPUDevice.prototype, 'createBuffer', (_d, args) => {
    const d = args[0] as GPUBufferDescriptor;
    // A buffer mapped at creation is filled from the CPU: an upload.
    if (d.mappedAtCreation && d.usage & usage.COPY_SRC) counts.uploadBytes += d.size;
  });
  // A read back is a copy into a buffer the CPU maps for reading.
  count(scope.GPUCommandEncoder.prototype, 'copyBufferToBuffer', (_e, args) => {
    const destination = args[2] as GPUBuffer;
    if (destination.usage & usage.MAP_READ) counts.readbackBytes += args[4] as number;
  });
  count(scope.GPUDevice.prototype, 'createComputePipeline', () => counts.pipelines++);
  count(scope.GPUDevice.prototype, 'createComputePipelineAsync', () => counts.pipelines++);
  return counts;
}
