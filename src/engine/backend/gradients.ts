/**
 * tfjs-core alone registers no gradient functions; tfjs-layers' Node build registers all of them
 * on the shared tfjs-core instance when it loads. Import this module for that side effect wherever
 * gradients are taken without a layers model in sight (attacks on plain functions, theory).
 * (`@tensorflow/tfjs-core/dist/register_all_gradients` is ESM-only and breaks the CJS bundles.)
 * Then our gradients (ReLU, FusedConv2D, batch norm, Mean: kernels/registerGradients.ts) replace
 * tfjs's: they must come after; and TopK gets the gradient tfjs lacks (topkGradient.ts).
 */
import '@tensorflow/tfjs-layers';
import { registerGradients } from '../kernels/registerGradients';
import { registerTopKGradient } from './topkGradient';

registerGradients();
registerTopKGradient();
