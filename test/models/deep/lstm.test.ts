import { lstmKind } from '../../../src/models/lstm/index.js';
import { deepKindContract } from './deep-kind-contract.js';

deepKindContract({
  kind: lstmKind,
  small: { dim: 16, hidden: 16, epochs: 8, batchSize: 16, lr: 0.02, patience: 0, dropout: 0.1, maxLength: 16 },
  badParams: [[{ hidden: 0 }, /lstm parameter hidden must be an integer in \[1, 4096\]/], [{ maxLength: 2.5 }, /maxLength/]],
});
