/** A running process lading started (serving, monitor; next the controller and stream worker): every one stops the same orderly way. */
export interface LadingProcess {
  /** Orderly stop; idempotent. Resolves once everything the process opened is closed. */
  close(): Promise<void>;
  /** Resolves when close() finished (whoever called it). */
  readonly closed: Promise<void>;
}
