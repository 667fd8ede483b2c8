import { servingWithFeaturesSuite } from './serving-features.js';

// The embedded online store: <home>/online.sqlite of the serving process's own temp home.
servingWithFeaturesSuite('SQLite online store', { cleanup: async () => undefined });
