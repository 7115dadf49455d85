/**
 * Seeded initialisers, so that the same seed gives the same initial weights (tfjs-layers'
 * defaults draw from an unseeded generator). Each layer gets its own seed, in build order.
 */
import * as tfl from '@tensorflow/tfjs-layers';

export class SeededInit {
  private n = 0;
  constructor(private readonly seed: number) {}

  private next(): number {
    return (this.seed * 1000003 + ++this.n * 7919) % 2147483647;
  }

  /** He-normal for ReLU conv/dense layers (what PyTorch's kaiming init approximates). */
  conv() {
    return {
      kernelInitializer: tfl.initializers.heNormal({ seed: this.next() }),
      biasInitializer: 'zeros' as const,
    };
  }

  dense() {
    return {
      kernelInitializer: tfl.initializers.glorotUniform({ seed: this.next() }),
      biasInitializer: 'zeros' as const,
    };
  }
}
