/** @tranche/client: the Node entry. The environment-free core is `@tranche/client/core`. */
export * from './node/index.js';
