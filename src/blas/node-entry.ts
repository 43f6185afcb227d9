/**
 * Makes the blas backend available to initBackend. Node-only (koffi, fs): imported by the Node
 * entry's loader (src/loading/node-loader.ts), never by the math modules, so a browser bundle
 * that leaves the Node entry out leaves koffi and the BLAS bridge out too.
 */
import { registerBlasBackendLoader } from '../backend';
import { registerBlasBackend } from './blas-backend';

registerBlasBackendLoader((threads) => registerBlasBackend({ threads }));
